// Paranoid Pirate worker (zguide chapter 4): a DEALER that says READY to
// the queue (ppqueue.ts), echoes requests, and heartbeats. When the queue
// has been silent for --liveness heartbeats it reconnects, waiting twice as
// long each time (up to 32 heartbeats). With --crash-after N it answers N
// requests and then "crashes"; without it, as in the guide, after three
// requests each one risks a crash or an overload. Ends after --seconds.
import { setTimeout as sleep } from "node:timers/promises";
import { Dealer } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const endpoint = option("connect", "tcp://localhost:5556");
const HEARTBEAT_INTERVAL = intOption("heartbeat", 1000);
const HEARTBEAT_LIVENESS = intOption("liveness", 3);
const INTERVAL_INIT = HEARTBEAT_INTERVAL;
const INTERVAL_MAX = 32 * HEARTBEAT_INTERVAL;
const crashAfter = intOption("crash-after", -1);
const stopAt = Date.now() + intOption("seconds", 30) * 1000;
const PPP_READY = "\x01";
const PPP_HEARTBEAT = "\x02";

const hex = () => Math.floor(Math.random() * 0x10000).toString(16).toUpperCase().padStart(4, "0");
const identity = option("name", `${hex()}-${hex()}`);

async function connect(): Promise<Dealer> {
  const worker = new Dealer({ routingId: identity, linger: 0 });
  worker.connect(endpoint);
  console.log("I: worker ready");
  await worker.send(PPP_READY);
  return worker;
}

let worker = await connect();
let liveness = HEARTBEAT_LIVENESS;
let interval = INTERVAL_INIT;
let heartbeatAt = Date.now() + HEARTBEAT_INTERVAL;
let cycles = 0;

work: while (Date.now() < stopAt) {
  let message: Uint8Array[] | null = null;
  try {
    message = await worker.receive({ signal: AbortSignal.timeout(HEARTBEAT_INTERVAL) });
  } catch (err) {
    if ((err as Error).name !== "TimeoutError") throw err;
  }
  if (message !== null && message.length === 3) {
    // A request: [client, "", body].
    cycles++;
    const roll = Math.floor(Math.random() * 5);
    if (crashAfter >= 0 ? cycles > crashAfter : cycles > 3 && roll === 0) {
      console.log("I: simulating a crash");
      break work;
    }
    if (crashAfter < 0 && cycles > 3 && roll === 1) {
      console.log("I: simulating CPU overload");
      await sleep(3 * HEARTBEAT_INTERVAL);
    }
    console.log(`I: normal reply (${text(message[2])})`);
    await worker.send(message);
    liveness = HEARTBEAT_LIVENESS;
  } else if (message !== null && message.length === 1 && text(message[0]) === PPP_HEARTBEAT) {
    liveness = HEARTBEAT_LIVENESS;
  } else if (message !== null) {
    console.log(`E: invalid message: ${message.map(text).join(" | ")}`);
  } else if (--liveness === 0) {
    console.log("W: heartbeat failure, can't reach queue");
    console.log(`W: reconnecting in ${interval} msec...`);
    worker.close();
    await sleep(interval);
    interval = Math.min(2 * interval, INTERVAL_MAX);
    worker = await connect();
    liveness = HEARTBEAT_LIVENESS;
  }
  if (message !== null) interval = INTERVAL_INIT;
  if (Date.now() > heartbeatAt) {
    heartbeatAt = Date.now() + HEARTBEAT_INTERVAL;
    await worker.send(PPP_HEARTBEAT);
  }
}
worker.close();
