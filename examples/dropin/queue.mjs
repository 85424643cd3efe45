// zeromq.js's examples/queue: a DEALER sends through a small queue of its
// own to another DEALER, which stops at the empty message. As in the
// original, the sending socket is never closed: the program must end anyway.
import { Dealer } from "zmtp-zeromq";

const port = process.env.PORT ?? "4444";

class Queue {
  queue = [];
  sending = false;

  constructor(socket, max = 100) {
    this.socket = socket;
    this.max = max;
  }

  send(msg) {
    console.log(`Sending message: ${msg}`);
    if (this.queue.length > this.max) throw new Error("Queue is full");
    this.queue.push(msg);
    return this.trySend();
  }

  async trySend() {
    if (this.sending) return;
    this.sending = true;
    while (this.queue.length > 0) await this.socket.send(this.queue.shift());
    this.sending = false;
  }
}

async function main() {
  const sender = new Dealer();
  await sender.bind(`tcp://127.0.0.1:${port}`);
  console.log(`sender bound to port ${port}`);

  const queue = new Queue(sender);
  const sent = Promise.all([queue.send("hello"), queue.send("world!"), queue.send(null)]);

  const receiver = new Dealer();
  receiver.connect(`tcp://127.0.0.1:${port}`);
  console.log(`receiver connected to port ${port}`);

  for await (const [msg] of receiver) {
    if (msg.length === 0) {
      receiver.close();
      console.log("received: <empty message>");
    } else {
      console.log(`received: ${msg}`);
    }
  }
  await sent;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
