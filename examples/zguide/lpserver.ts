// Lazy Pirate server (zguide chapter 4): a REP echo server that
// misbehaves on purpose. With --crash-after N it answers N requests and
// then "crashes" (exits without answering the next); without it, as in
// the guide, after three requests each one has a one-in-three chance of a
// crash and one in three of an overload (a two-second pause). Ends after
// --idle ms without a request.
import { setTimeout as sleep } from "node:timers/promises";
import { Reply } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const crashAfter = intOption("crash-after", -1);
const server = new Reply({ receiveTimeout: intOption("idle", 10_000) });
await server.bind(option("bind", "tcp://*:5555"));
console.log("I: server ready");

try {
  for (let cycles = 1;; cycles++) {
    const [request] = await server.receive();
    const roll = Math.floor(Math.random() * 3);
    if (crashAfter >= 0 ? cycles > crashAfter : cycles > 3 && roll === 0) {
      console.log("I: simulating a crash");
      break;
    }
    if (crashAfter < 0 && cycles > 3 && roll === 1) {
      console.log("I: simulating CPU overload");
      await sleep(2000);
    }
    console.log(`I: normal request (${text(request)})`);
    await server.send(request);
  }
} catch (err) {
  console.log(`I: stopped: ${(err as Error).message}`);
}
server.close();
