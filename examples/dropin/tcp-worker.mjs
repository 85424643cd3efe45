// A worker thread with sockets of its own, talking to the main thread over
// tcp both ways: the main thread binds a PULL that the worker's PUSH feeds,
// the worker binds a REP that the main thread's REQ asks. (zeromq.js's
// examples/threaded-worker uses inproc between threads instead.)
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Pull, Push, Reply, Request } from "zmtp-zeromq";

if (isMainThread) {
  const pull = new Pull();
  await pull.bind("tcp://127.0.0.1:*");
  const worker = new Worker(new URL(import.meta.url), { workerData: pull.lastEndpoint });
  const [repEndpoint] = await new Promise((resolve) => worker.once("message", resolve));
  const exited = new Promise((resolve) => worker.once("exit", resolve));
  for (let i = 0; i < 3; i++) {
    const [msg] = await pull.receive();
    console.log(`main received: ${msg}`);
  }
  const req = new Request();
  req.connect(repEndpoint);
  await req.send("upper case, please");
  const [reply] = await req.receive();
  console.log(`main got reply: ${reply}`);
  pull.close();
  req.close();
  console.log(`worker exited with code ${await exited}`);
} else {
  const push = new Push();
  push.connect(workerData);
  const rep = new Reply();
  await rep.bind("tcp://127.0.0.1:*");
  parentPort.postMessage([rep.lastEndpoint]);
  for (const n of ["one", "two", "three"]) await push.send(`work ${n} from the worker`);
  const [question] = await rep.receive();
  await rep.send(question.toString().toUpperCase());
  push.close();
  rep.close();
}
