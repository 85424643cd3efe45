// zeromq.js's examples/pub-sub as one program: a publisher sends a two-part
// message every 100 ms, a subscriber to "kitty cats" prints what it gets.
// Bounded: the subscriber takes three messages, then both close. How many
// sends precede the first delivery depends on when the subscription lands
// (the slow joiner), so the test compares the output's distinct lines.
import * as zmq from "zmtp-zeromq";

const port = process.env.PORT ?? "3000";
const COUNT = 3;
let done = false;

async function publisher() {
  const sock = new zmq.Publisher();
  await sock.bind(`tcp://127.0.0.1:${port}`);
  console.log(`Publisher bound to port ${port}`);
  while (!done) {
    console.log("sending a multipart message envelope");
    await sock.send(["kitty cats", "meow!"]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  sock.close();
}

async function subscriber() {
  const sock = new zmq.Subscriber();
  sock.connect(`tcp://127.0.0.1:${port}`);
  sock.subscribe("kitty cats");
  console.log(`Subscriber connected to port ${port}`);
  let n = 0;
  for await (const [topic, msg] of sock) {
    console.log("received a message related to:", topic, "containing message:", msg);
    if (++n === COUNT) break;
  }
  done = true;
  sock.close();
}

Promise.all([publisher(), subscriber()]).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
