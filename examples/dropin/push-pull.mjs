// zeromq.js's examples/push-pull as one program: a producer pushes "some
// work" every 100 ms and a worker prints it. Bounded: the worker takes three
// messages, then both close.
import * as zmq from "zmtp-zeromq";

const port = process.env.PORT ?? "3000";
const COUNT = 3;
let done = false;

async function producer() {
  const sock = new zmq.Push();
  await sock.bind(`tcp://127.0.0.1:${port}`);
  console.log(`Producer bound to port ${port}`);
  while (!done) {
    await sock.send("some work");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  sock.close();
}

async function worker() {
  const sock = new zmq.Pull();
  sock.connect(`tcp://127.0.0.1:${port}`);
  console.log(`Worker connected to port ${port}`);
  let n = 0;
  for await (const [msg] of sock) {
    console.log("work: %s", msg.toString());
    if (++n === COUNT) break;
  }
  done = true;
  sock.close();
}

Promise.all([producer(), worker()]).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
