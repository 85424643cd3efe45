// Majordomo worker (zguide chapter 4): offers the "echo" service through
// the broker (mdbroker.ts), with the worker API in mdp.ts. Ends after
// --seconds.
import { MajordomoWorker, text } from "./mdp.ts";
import { intOption, option } from "./_args.ts";

const worker = new MajordomoWorker(
  option("connect", "tcp://localhost:5555"),
  option("service", "echo"),
  intOption("heartbeat", 2500),
  intOption("reconnect", 2500),
);
let served = 0;
await worker.serve((request) => {
  served++;
  console.log(`I: echoing ${request.map(text).join(" | ")}`);
  return request;
}, AbortSignal.timeout(intOption("seconds", 30) * 1000));
console.log(`I: served ${served} request(s)`);
