// Lazy Pirate client (zguide chapter 4, "Client-Side Reliability"): a REQ
// socket that gives up on a reply after --timeout ms, throws the socket
// away (a REQ that got no reply cannot send again), opens a new one and
// resends, up to --retries times, then abandons. Sends --count requests,
// each its sequence number, and checks that the reply echoes it.
import { Request } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const endpoint = option("connect", "tcp://localhost:5555");
const timeout = intOption("timeout", 2500);
const retries = intOption("retries", 3);
const count = intOption("count", 10);

// linger 0: a request still queued for a dead server is dropped at close().
const connect = () => {
  const s = new Request({ linger: 0 });
  s.connect(endpoint);
  return s;
};

console.log("I: connecting to server...");
let client = connect();
let ok = 0;
requests: for (let sequence = 1; sequence <= count; sequence++) {
  for (let left = retries;; left--) {
    await client.send(String(sequence));
    try {
      const [reply] = await client.receive({ signal: AbortSignal.timeout(timeout) });
      if (text(reply) !== String(sequence)) {
        console.log(`E: malformed reply from server: ${text(reply)}`);
      } else {
        console.log(`I: server replied OK (${text(reply)})`);
        ok++;
        continue requests;
      }
    } catch (err) {
      if ((err as Error).name !== "TimeoutError") throw err;
    }
    client.close();
    if (left === 0) {
      console.log("E: server seems to be offline, abandoning");
      break requests;
    }
    console.log("W: no response from server, retrying...");
    client = connect();
  }
}
console.log(`I: ${ok} of ${count} requests answered`);
client.close();
