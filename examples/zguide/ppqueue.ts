// Paranoid Pirate queue (zguide chapter 4, "Robust Reliable Queuing"): a
// ROUTER front end for Lazy Pirate clients (lpclient.ts) and a ROUTER back
// end for workers (ppworker.ts). Workers say READY, then the queue hands
// each request to the worker that has been idle longest. Both sides
// heartbeat: an idle worker hears HEARTBEAT every --heartbeat ms, and one
// the queue has not heard from for --liveness intervals is forgotten.
// Ends after --seconds.
import { Router } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const HEARTBEAT_INTERVAL = intOption("heartbeat", 1000);
const HEARTBEAT_LIVENESS = intOption("liveness", 3);
const PPP_READY = "\x01";
const PPP_HEARTBEAT = "\x02";

const frontend = new Router();
const backend = new Router();
await frontend.bind(option("frontend", "tcp://*:5555"));
await backend.bind(option("backend", "tcp://*:5556"));
console.log("I: queue ready");

/** Idle workers, longest idle first, by routing id (as text: ids are map keys). */
const workers = new Map<string, { id: Uint8Array; expiry: number }>();
let wakeFrontend: (() => void) | null = null;

function ready(id: Uint8Array): void {
  const key = Array.from(id).join(",");
  workers.delete(key); // moves it to the end of the queue
  workers.set(key, { id, expiry: Date.now() + HEARTBEAT_INTERVAL * HEARTBEAT_LIVENESS });
  wakeFrontend?.();
}

let stopping = false;

async function nextWorker(): Promise<Uint8Array | null> {
  while (workers.size === 0) {
    if (stopping) return null;
    await new Promise<void>((resolve) => wakeFrontend = resolve);
  }
  wakeFrontend = null;
  const [key, { id }] = workers.entries().next().value!;
  workers.delete(key);
  return id;
}

// Workers: every message means the worker is alive and idle again; a
// reply goes on to its client.
const fromWorkers = (async () => {
  for await (const [id, ...message] of backend) {
    ready(id);
    if (message.length === 1) {
      const command = text(message[0]);
      if (command !== PPP_READY && command !== PPP_HEARTBEAT) console.log(`E: invalid message from worker: ${command}`);
    } else {
      await frontend.send(message);
    }
  }
})();

// Clients: a request waits for an idle worker.
const fromClients = (async () => {
  for await (const message of frontend) {
    const worker = await nextWorker();
    if (worker === null) break;
    await backend.send([worker, ...message]);
  }
})();

const heartbeat = setInterval(() => {
  const now = Date.now();
  for (const [key, w] of workers) {
    if (w.expiry < now) workers.delete(key);
    else backend.send([w.id, PPP_HEARTBEAT]);
  }
}, HEARTBEAT_INTERVAL);

await new Promise((resolve) => setTimeout(resolve, intOption("seconds", 30) * 1000));
clearInterval(heartbeat);
stopping = true;
frontend.close();
backend.close();
(wakeFrontend as (() => void) | null)?.();
await Promise.allSettled([fromWorkers, fromClients]);
