// Task worker (zguide chapter 2's version with kill signaling, "Handling
// Errors and ETERM"): PULL tasks from the ventilator, "work" for the given
// ms, PUSH a result to the sink; a SUB socket hears the sink's "KILL" once
// the batch is done and the worker ends (or after --idle ms without a task).
import { setTimeout as sleep } from "node:timers/promises";
import { Pull, Push, Subscriber } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const name = option("name", "worker");
const receiver = new Pull({ receiveTimeout: intOption("idle", 10_000) });
receiver.connect(option("connect", "tcp://localhost:5557"));
const sender = new Push();
sender.connect(option("sink", "tcp://localhost:5558"));
const controller = new Subscriber();
controller.connect(option("control", "tcp://localhost:5559"));
controller.subscribe("KILL");

// Waiting for a task and for the kill signal at once: the signal aborts the wait.
const killed = new AbortController();
controller.receive().then(() => killed.abort(), () => killed.abort());

let done = 0;
try {
  while (true) {
    const [workload] = await receiver.receive({ signal: killed.signal });
    await sleep(Number(text(workload)));
    await sender.send(name);
    done++;
  }
} catch (err) {
  if (!killed.signal.aborted) console.log(`${name} stopped: ${(err as Error).message}`);
}
console.log(`${name} done after ${done} task(s)`);
receiver.close();
sender.close();
controller.close();
