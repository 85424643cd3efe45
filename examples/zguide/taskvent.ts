// Task ventilator (zguide chapter 1, "Divide and Conquer"): a PUSH socket
// hands out --count tasks, each a workload in ms, round-robin to the
// workers. The guide waits for Enter once the workers are up; this waits
// until --workers workers have connected, so that none misses its share.
import { Push } from "../../mod.ts";
import { intOption, option } from "./_args.ts";

const tasks = intOption("count", 100);
const workers = intOption("workers", 1);

const sender = new Push();
let connected = 0;
const allConnected = new Promise<void>((resolve) => {
  sender.events.on("handshake", () => {
    if (++connected === workers) resolve();
  });
});
await sender.bind(option("bind", "tcp://*:5557"));

// The first message tells the sink a batch starts, and how many results to expect.
const sink = new Push();
sink.connect(option("sink", "tcp://localhost:5558"));

console.log(`Waiting for ${workers} worker(s)...`);
await allConnected;
console.log("Sending tasks to workers...");
await sink.send(String(tasks));

let expected = 0;
for (let i = 0; i < tasks; i++) {
  const workload = 1 + Math.floor(Math.random() * 10);
  expected += workload;
  await sender.send(String(workload));
}
console.log(`Total expected cost: ${expected} msec`);
sender.close(); // linger: close() still delivers what is queued
sink.close();
