// Task sink (zguide chapter 2's version with kill signaling): PULL the
// ventilator's start message, then one result per task; then publish
// "KILL" so that the workers end.
import { setTimeout as sleep } from "node:timers/promises";
import { Publisher, Pull } from "../../mod.ts";
import { option, text } from "./_args.ts";

const receiver = new Pull();
await receiver.bind(option("bind", "tcp://*:5558"));
const controller = new Publisher();
await controller.bind(option("control", "tcp://*:5559"));
console.log("Sink ready");

// Counted from the start: the ventilator may be gone before the batch is.
let gone = 0;
receiver.events.on("disconnect", () => gone++);

// The start message (the task count) and the first results come over
// different connections, so a result may arrive first: count whatever
// comes until the start message has said how many to expect.
let tasks = -1;
let results = 0;
let started = Date.now();
const perWorker = new Map<string, number>();
while (tasks < 0 || results < tasks) {
  const [frame] = await receiver.receive();
  const body = text(frame);
  if (tasks < 0 && /^\d+$/.test(body)) {
    tasks = Number(body);
    started = Date.now();
    continue;
  }
  results++;
  perWorker.set(body, (perWorker.get(body) ?? 0) + 1);
}
console.log(`Total elapsed time: ${Date.now() - started} msec`);
console.log(`Received ${tasks} results`);
for (const [worker, n] of [...perWorker].sort()) console.log(`${worker}: ${n}`);

// A worker that connected late may not have its subscription in yet, so
// repeat the signal until every worker that sent a result has gone (and
// the ventilator, which also connects here).
for (let i = 0; i < 100 && gone < perWorker.size + 1; i++) {
  await controller.send("KILL");
  await sleep(50);
}
receiver.close();
controller.close();
