// One half of a zeromq.js 5 example program, run on zeromq.js 6's own
// `zeromq/v5-compat` (libzmq 4.3.5) in Node, for v5_compat_interop_test.ts
// to pair with the other half on this library's v5-compat.ts.
//
//   node tests/interop/v5_compat_peer.mjs <role> <endpoint> <count>
//
// Roles, after zeromq.js 5's examples: producer (push, bindSync, sends
// "some work <i>" for i < count), worker (pull, connect), pubber (pub,
// bindSync, publishes ["kitty cats", "meow! <i>"] and ["dogs", "woof"]
// until told to stop), subber (sub, connect, subscribe "kitty cats"),
// server (rep, bind, answers each number with its double), client (req,
// connect, asks 1..count, each after the previous answer). Prints one JSON line per event: {"ready": true}
// once set up, {"got": [parts as text]} per message. Exits when stdin
// closes, or after 60 s.

import { createRequire } from "node:module";
import process from "node:process";

const zmq = createRequire(import.meta.url)("zeromq/v5-compat");
const [role, endpoint, countArg] = process.argv.slice(2);
const count = Number(countArg ?? 10);
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const sockets = [];
const timers = [];

function exit(code = 0) {
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.close();
  process.exit(code);
}
process.stdin.on("end", () => exit(0));
process.stdin.resume();
setTimeout(() => exit(4), 60000).unref();

const roles = {
  producer() {
    const sock = zmq.socket("push");
    sockets.push(sock);
    sock.bindSync(endpoint);
    say({ ready: true });
    let i = 0;
    const t = setInterval(() => {
      sock.send(`some work ${i++}`);
      if (i === count) clearInterval(t);
    }, 5);
    timers.push(t);
  },
  worker() {
    const sock = zmq.socket("pull");
    sockets.push(sock);
    sock.connect(endpoint);
    sock.on("message", (msg) => say({ got: [msg.toString()] }));
    say({ ready: true });
  },
  pubber() {
    const sock = zmq.socket("pub");
    sockets.push(sock);
    sock.bindSync(endpoint);
    say({ ready: true });
    let i = 0;
    timers.push(setInterval(() => {
      sock.send(["dogs", "woof"]);
      sock.send(["kitty cats", `meow! ${i++}`]);
    }, 5));
  },
  subber() {
    const sock = zmq.socket("sub");
    sockets.push(sock);
    sock.connect(endpoint);
    sock.subscribe("kitty cats");
    sock.on("message", (topic, message) => say({ got: [topic.toString(), message.toString()] }));
    say({ ready: true });
  },
  server() {
    const sock = zmq.socket("rep");
    sockets.push(sock);
    sock.bind(endpoint, (err) => {
      if (err) throw err;
      sock.on("message", (data) => sock.send(2 * data));
      say({ ready: true });
    });
  },
  client() {
    const sock = zmq.socket("req");
    sockets.push(sock);
    sock.connect(endpoint);
    // The next request once the answer came: zeromq/v5-compat's REQ stalls now and
    // then (on a busy machine) with several requests queued at once.
    let i = 1;
    sock.on("message", (data) => {
      say({ got: [data.toString()] });
      if (++i <= count) sock.send(i);
    });
    sock.send(i);
    say({ ready: true });
  },
};

const run = roles[role];
if (!run) {
  process.stderr.write(`unknown role ${role}\n`);
  exit(2);
}
run();
