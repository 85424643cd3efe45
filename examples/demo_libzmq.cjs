// The libzmq peer of the demo: zeromq.js (libzmq 4.3.5) on Node, acting as a
// client of the hub, then as a sender in the throughput stage.
const zmq = require("zeromq");
const [role, a, b, c] = process.argv.slice(2);
const say = (s) => console.log(`[libzmq ${zmq.version}] ${s}`);
(async () => {
  if (role === "client") {
    const req = new zmq.Request({ linger: 0 });
    const sub = new zmq.Subscriber({ linger: 0 });
    const push = new zmq.Push();
    req.connect(a);
    sub.connect(b);
    sub.subscribe("news");
    push.connect(c);
    await req.send("libzmq request #1");
    say(`REQ got "${(await req.receive())[0]}"`);
    const [t, body] = await sub.receive();
    say(`SUB got [${t}] "${body}"`);
    await push.send(JSON.stringify({ hello: "libzmq says hi over PUSH" }));
    req.close();
    sub.close();
    push.close();
  } else {
    const push = new zmq.Push();
    push.connect(a);
    await push.send(JSON.stringify({ blastStart: true }));
    const msg = Buffer.alloc(Number(c), 1);
    for (let i = 0; i < Number(b); i++) await push.send(msg);
    await push.send(JSON.stringify({ blastEnd: "zeromq.js (libzmq) on Node", size: Number(c) }));
    push.close();
  }
})();
