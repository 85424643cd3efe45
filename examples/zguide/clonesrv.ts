// Clone server, model three (zguide chapter 5, "Republishing Updates from
// Clients"): clients send updates to a PULL collector; the server numbers
// them, keeps the latest value per key and republishes each on a PUB
// socket; a ROUTER answers "ICANHAZ?" with a snapshot of every key, then
// "KTHXBAI" carrying the sequence number the snapshot is at. Ends after
// --seconds.
import { Publisher, Pull, Router } from "../../mod.ts";
import { kvFrames, type KvMsg, kvParse } from "./kvmsg.ts";
import { intOption, option, text } from "./_args.ts";

const snapshot = new Router();
await snapshot.bind(option("snapshot", "tcp://*:5556"));
const publisher = new Publisher();
await publisher.bind(option("publisher", "tcp://*:5557"));
const collector = new Pull();
await collector.bind(option("collector", "tcp://*:5558"));
console.log("I: clone server ready");

const store = new Map<string, KvMsg>();
let sequence = 0n;

const collecting = (async () => {
  for await (const frames of collector) {
    const update = { ...kvParse(frames), sequence: ++sequence };
    if (update.body.length === 0) store.delete(update.key);
    else store.set(update.key, update);
    await publisher.send(kvFrames(update));
    console.log(`I: publishing update=${sequence}`);
  }
})();

const snapshots = (async () => {
  for await (const [identity, request] of snapshot) {
    if (text(request) !== "ICANHAZ?") {
      console.log(`E: bad request, aborting: ${text(request)}`);
      continue;
    }
    for (const m of store.values()) await snapshot.send([identity, ...kvFrames(m)]);
    console.log(`I: sending snapshot=${sequence}`);
    await snapshot.send([identity, ...kvFrames({ key: "KTHXBAI", sequence, body: new Uint8Array(0) })]);
  }
})();

await new Promise((resolve) => setTimeout(resolve, intOption("seconds", 30) * 1000));
for (const s of [snapshot, publisher, collector]) s.close();
await Promise.all([collecting, snapshots]);
