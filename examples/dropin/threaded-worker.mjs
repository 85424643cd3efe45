// zeromq.js's examples/threaded-worker: worker threads Caesar-shift the
// characters the main thread hands out, over inproc endpoints bound in the
// main thread (one thread each here, so the output is in order; the original
// starts one per CPU and spins 200M times per character): inproc across
// threads.
import { isMainThread, Worker } from "node:worker_threads";
import * as zmq from "zmtp-zeromq";

const SHIFT = 13;

function caesar(c) {
  const code = c.charCodeAt(0);
  if (code >= 65 && code <= 90) return String.fromCharCode(((code - 65 + SHIFT) % 26) + 65);
  if (code >= 97 && code <= 122) return String.fromCharCode(((code - 97 + SHIFT) % 26) + 97);
  return c;
}

async function workerThread() {
  const input = new zmq.Pull({ receiveHighWaterMark: 1 });
  const output = new zmq.Push();
  const signal = new zmq.Subscriber();
  input.connect("inproc://input");
  output.connect("inproc://output");
  signal.connect("inproc://signal");
  signal.subscribe();
  (async () => {
    for await (const [sig] of signal) {
      if (sig.toString() === "stop") {
        input.close();
        output.close();
        signal.close();
      }
    }
  })();
  for await (const [pos, req] of input) {
    console.log(`received work '${req}' at ${pos}`);
    const res = caesar(req.toString());
    await output.send([pos, res]);
    console.log(`finished work '${req}' -> '${res}' at ${pos}`);
  }
}

class Processor {
  input = new zmq.Push();
  output = new zmq.Pull();
  signal = new zmq.Publisher();

  constructor(threads) {
    console.log(`starting ${threads} worker threads`);
    console.log("---");
    this.init = Promise.all([
      this.input.bind("inproc://input"),
      this.output.bind("inproc://output"),
      this.signal.bind("inproc://signal"),
    ]);
    this.exit = Promise.all(
      Array.from({ length: threads }, () =>
        new Promise((resolve, reject) => {
          new Worker(new URL(import.meta.url)).on("exit", (code) => {
            if (code === 0) resolve();
            else reject(new Error(`Worker stopped with exit code ${code}`));
          });
        })),
    ).then(() => console.log("all workers stopped"));
  }

  async process(str) {
    await this.init;
    const input = str.split("");
    for (const [i, c] of input.entries()) await this.input.send([String(i), c]);
    const output = Array.from({ length: input.length });
    for await (const [pos, res] of this.output) {
      output[parseInt(pos.toString(), 10)] = res.toString();
      if (output.every((el) => el !== undefined)) break;
    }
    return output.join("");
  }

  async stop() {
    await this.signal.send("stop");
    await this.exit;
    this.input.close();
    this.output.close();
    this.signal.close();
  }
}

async function main() {
  const processor = new Processor(1);
  for (const input of ["Hello world!", "Would you like more sockets?", "Yes please."]) {
    console.log(`sending input '${input}'`);
    const output = await processor.process(input);
    console.log(`received output '${input}' -> '${output}'`);
    console.log("---");
  }
  await processor.stop();
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  workerThread();
}
