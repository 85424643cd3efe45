// Clone client, model three (zguide chapter 5): subscribes to updates
// first, then asks for a snapshot (so nothing falls in between), drops
// the updates the snapshot already holds, and sends --count updates of its
// own (keys "<prefix>/<n>") through the server. Ends once all of its own
// have come back, numbered, on the update stream.
import { Dealer, Push, Subscriber } from "../../mod.ts";
import { kv, kvFrames, type KvMsg, kvParse } from "./kvmsg.ts";
import { intOption, option } from "./_args.ts";

const prefix = option("prefix", "client");
const count = intOption("count", 10);

const subscriber = new Subscriber();
const subscribed = new Promise((resolve) => subscriber.events.on("handshake", resolve));
subscriber.subscribe();
subscriber.connect(option("publisher", "tcp://localhost:5557"));
await subscribed;

const snapshot = new Dealer();
snapshot.connect(option("snapshot", "tcp://localhost:5556"));
await snapshot.send("ICANHAZ?");
const store = new Map<string, KvMsg>();
let sequence: bigint;
for (;;) {
  const m = kvParse(await snapshot.receive());
  if (m.key === "KTHXBAI") {
    sequence = m.sequence;
    break;
  }
  store.set(m.key, m);
}
snapshot.close();
console.log(`I: received snapshot=${sequence} with ${store.size} keys: ${[...store.keys()].sort().join(" ")}`);

const publisher = new Push();
publisher.connect(option("collector", "tcp://localhost:5558"));
const mine = new Set<string>();
for (let n = 1; n <= count; n++) {
  const key = `${prefix}/${n}`;
  mine.add(key);
  await publisher.send(kvFrames(kv(key, 0n, String(Math.floor(Math.random() * 1_000_000)))));
}

let applied = 0;
for await (const frames of subscriber) {
  const m = kvParse(frames);
  if (m.sequence <= sequence) continue; // already in the snapshot
  sequence = m.sequence;
  if (m.body.length === 0) store.delete(m.key);
  else store.set(m.key, m);
  applied++;
  mine.delete(m.key);
  if (mine.size === 0) break;
}
console.log(`I: applied ${applied} updates, now at sequence ${sequence} with ${store.size} keys`);
console.log(`I: all ${count} of my updates came back`);
subscriber.close();
publisher.close();
