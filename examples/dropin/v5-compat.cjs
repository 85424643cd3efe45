// zeromq.js's examples/v5-compat: zeromq.js 5's callback API. Unlike the
// original (whose subscriber subscribes to nothing, so it never prints a
// message), this one subscribes to everything and publishes until the
// subscriber got one message, then closes both.
"use strict";
const zmq = require("zmtp-zeromq/v5-compat");

const port = process.env.PORT || "3456";
const address = `tcp://127.0.0.1:${port}`;

const pub = zmq.socket("pub");
const sub = zmq.socket("sub");
let timer;

pub.on("bind", (addr) => console.log(`Bound to ${addr}`));

pub.bind(address, (err) => {
  if (err) throw err;
  sub.connect(address);
  sub.subscribe("");
  console.log(`Subscriber connected to ${address}`);
  sub.on("message", (msg) => {
    if (timer === undefined) return;
    console.log(`Received message: ${msg.toString()}`);
    clearInterval(timer);
    timer = undefined;
    sub.close();
    pub.close();
  });
  timer = setInterval(() => pub.send("message"), 100);
});
