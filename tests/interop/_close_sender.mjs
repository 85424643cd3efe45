// Our PUSH in a process of its own, for close_interop_test.ts: queues n bulk
// messages (bulkMessage(0..n-1), all within its send HWM), calls close()
// with the default linger (-1) and returns from main. The process must then
// stay up only as long as delivering takes, and exit by itself.
//
//   <runtime> tests/interop/_close_sender.mjs <lib URL> connect|bind <endpoint> <n>
//
// stdout, one JSON object a line: {"endpoint"} once bound (bind only), then
// {"closed": true} once close() has returned.
import process from "node:process";
import { bulkMessage } from "./_peer_core.mjs";

const [lib, how, endpoint, count] = process.argv.slice(2);
const n = Number(count);
const zmq = await import(lib);
const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

const push = new zmq.Push({ sendHighWaterMark: n + 1 });
if (how === "bind") {
  await push.bind(endpoint);
  say({ endpoint: push.lastEndpoint });
} else {
  push.connect(endpoint);
}
for (let i = 0; i < n; i++) await push.send(bulkMessage(i));
push.close();
say({ closed: true });
