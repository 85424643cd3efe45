// Majordomo broker (zguide chapter 4): one ROUTER socket for clients and
// workers, told apart by the protocol header (MDPC01 or MDPW01). Requests
// queue per service until one of its workers is free; idle workers get a
// HEARTBEAT every --heartbeat ms, and one not heard from for three is
// dropped. Answers mmi.service itself. Ends after --seconds.
import { Router } from "../../mod.ts";
import {
  COMMAND_NAMES,
  MDPC_CLIENT,
  MDPW_DISCONNECT,
  MDPW_HEARTBEAT,
  MDPW_READY,
  MDPW_REPLY,
  MDPW_REQUEST,
  MDPW_WORKER,
  text,
} from "./mdp.ts";
import { intOption, option } from "./_args.ts";

const HEARTBEAT_INTERVAL = intOption("heartbeat", 2500);
const HEARTBEAT_EXPIRY = HEARTBEAT_INTERVAL * 3;

interface Worker {
  id: Uint8Array;
  key: string;
  service: Service | null;
  expiry: number;
}
interface Service {
  name: string;
  /** Requests not yet handed out: [client, ...body]. */
  requests: Uint8Array[][];
  /** This service's idle workers, longest idle first. */
  waiting: Worker[];
}

const socket = new Router();
await socket.bind(option("bind", "tcp://*:5555"));
console.log("I: MDP broker/0.1.1 is active");

const services = new Map<string, Service>();
const workers = new Map<string, Worker>();
/** All idle workers, longest idle first: the ones that get heartbeats. */
let waiting: Worker[] = [];

const keyOf = (id: Uint8Array) => Array.from(id).join(",");

function service(name: string): Service {
  let s = services.get(name);
  if (s === undefined) services.set(name, s = { name, requests: [], waiting: [] });
  return s;
}

async function dispatch(s: Service): Promise<void> {
  while (s.waiting.length > 0 && s.requests.length > 0) {
    const worker = s.waiting.shift()!;
    waiting = waiting.filter((w) => w !== worker);
    const [client, ...body] = s.requests.shift()!;
    await sendToWorker(worker, MDPW_REQUEST, client, new Uint8Array(0), ...body);
  }
}

function sendToWorker(w: Worker, command: string, ...rest: (string | Uint8Array)[]): Promise<void> {
  return socket.send([w.id, "", MDPW_WORKER, command, ...rest]);
}

async function deleteWorker(w: Worker, disconnect: boolean): Promise<void> {
  if (disconnect) await sendToWorker(w, MDPW_DISCONNECT);
  if (w.service !== null) w.service.waiting = w.service.waiting.filter((x) => x !== w);
  waiting = waiting.filter((x) => x !== w);
  workers.delete(w.key);
}

async function workerWaiting(w: Worker): Promise<void> {
  waiting.push(w);
  w.service!.waiting.push(w);
  w.expiry = Date.now() + HEARTBEAT_EXPIRY;
  await dispatch(w.service!);
}

async function onClient(sender: Uint8Array, [name, ...body]: Uint8Array[]): Promise<void> {
  const s = text(name);
  if (s.startsWith("mmi.")) {
    // The Majordomo Management Interface: answered here, as if by a worker.
    const wanted = text(body[0] ?? new Uint8Array(0));
    const exists = [...workers.values()].some((w) => w.service?.name === wanted);
    const code = s === "mmi.service" ? (exists ? "200" : "404") : "501";
    await socket.send([sender, "", MDPC_CLIENT, s, code]);
    return;
  }
  const target = service(s);
  target.requests.push([sender, ...body]);
  await dispatch(target);
}

async function onWorker(sender: Uint8Array, [command, ...rest]: Uint8Array[]): Promise<void> {
  const key = keyOf(sender);
  const known = workers.get(key);
  const c = text(command);
  if (c === MDPW_READY) {
    const name = text(rest[0] ?? new Uint8Array(0));
    if (known !== undefined || name.startsWith("mmi.")) {
      // A second READY, or a reserved service name: a protocol error.
      await deleteWorker(known ?? { id: sender, key, service: null, expiry: 0 }, true);
      return;
    }
    const w: Worker = { id: sender, key, service: service(name), expiry: 0 };
    workers.set(key, w);
    await workerWaiting(w);
  } else if (known === undefined) {
    // Not READY first: tell it to start over.
    if (c !== MDPW_DISCONNECT) await socket.send([sender, "", MDPW_WORKER, MDPW_DISCONNECT]);
  } else if (c === MDPW_REPLY) {
    const [client, , ...body] = rest;
    await socket.send([client, "", MDPC_CLIENT, known.service!.name, ...body]);
    await workerWaiting(known);
  } else if (c === MDPW_HEARTBEAT) {
    known.expiry = Date.now() + HEARTBEAT_EXPIRY;
  } else if (c === MDPW_DISCONNECT) {
    await deleteWorker(known, false);
  } else {
    console.log(`E: invalid command from worker: ${COMMAND_NAMES[c] ?? c}`);
  }
}

const heartbeat = setInterval(() => {
  const now = Date.now();
  for (const w of waiting) {
    if (w.expiry < now) {
      console.log("I: deleting expired worker");
      deleteWorker(w, false);
    } else {
      sendToWorker(w, MDPW_HEARTBEAT);
    }
  }
}, HEARTBEAT_INTERVAL);
const stop = setTimeout(() => socket.close(), intOption("seconds", 30) * 1000);

for await (const [sender, , header, ...rest] of socket) {
  // [sender, "", header, ...]: the empty frame is REQ's delimiter, or the worker's.
  const h = header === undefined ? "" : text(header);
  if (h === MDPC_CLIENT) await onClient(sender, rest);
  else if (h === MDPW_WORKER) await onWorker(sender, rest);
  else console.log(`E: invalid message: ${h}`);
}
clearInterval(heartbeat);
clearTimeout(stop);
