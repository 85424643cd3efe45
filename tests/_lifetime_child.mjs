// One process of tests/lifetime_test.ts: `<runtime> _lifetime_child.mjs
// <library URL> <scenario> <bind address> [<peer endpoint>]`. It does what
// the scenario says with the library's sockets and returns; whether, and
// how, the process then exits is what the test checks. Lines on stdout
// report progress; "returned" is the scenario's end (the process may only
// exit after it). "Later" is an unreferenced timer: it fires only if
// something else keeps the process alive meanwhile, which is the point.

const args = globalThis.Deno?.args ?? process.argv.slice(2);
const [libUrl, scenario, bindAddr, peer] = args;
const zmq = await import(libUrl);

const say = (line) => console.log(line);
const later = (fn) => {
  const t = setTimeout(fn, 200);
  if (globalThis.Deno !== undefined) Deno.unrefTimer(t);
  else t.unref();
};
const text = (m) => new TextDecoder().decode(m[0]);
const quick = { heartbeatInterval: 50, handshakeInterval: 5000, reconnectInterval: 20 };

// A PULL bound and a PUSH connected to it, a message through, and one
// endpoint nobody serves (a reconnect timer, or an inproc wait for the bind).
async function pair() {
  const pull = new zmq.Pull(quick);
  await pull.bind(bindAddr);
  const push = new zmq.Push(quick);
  push.connect(pull.lastEndpoint);
  const lost = new zmq.Push(quick);
  lost.connect(peer);
  return { pull, push };
}

// Not at the top level: Deno and Bun keep running (unreferenced timers
// too) while a top-level await is pending, which would hide what is tested.
async function main() {
  switch (scenario) {
    case "idle": {
      const { pull, push } = await pair();
      await push.send("hello");
      say(`got ${text(await pull.receive())}`);
      break;
    }
    case "receive": {
      const { pull, push } = await pair();
      later(() => push.send("late"));
      say(`got ${text(await pull.receive())}`);
      break;
    }
    case "iterate": {
      const { pull, push } = await pair();
      later(() => push.send("late"));
      for await (const m of pull) {
        say(`got ${text(m)}`);
        break;
      }
      break;
    }
    case "send": {
      // A DEALER with no peer: send() waits until one connects.
      const router = new zmq.Router(quick);
      await router.bind(bindAddr);
      const dealer = new zmq.Dealer(quick);
      later(() => dealer.connect(router.lastEndpoint));
      await dealer.send("late");
      const [, body] = await router.receive();
      say(`got ${new TextDecoder().decode(body)}`);
      break;
    }
    case "observer": {
      const pull = new zmq.Pull(quick);
      await pull.bind(bindAddr);
      const push = new zmq.Push(quick);
      later(() => push.connect(pull.lastEndpoint));
      for await (const e of pull.events) {
        if (e.type === "accept" || e.type === "handshake") {
          say(`got ${e.type}`);
          break;
        }
      }
      break;
    }
    case "connect": {
      // Only connected, to a REP in the test's process; the reply is awaited.
      const req = new zmq.Request(quick);
      req.connect(peer);
      await req.send("hello");
      say(`got ${text(await req.receive())}`);
      break;
    }
    case "linger": {
      // Messages queued for a peer that binds only after close(); with
      // linger -1 (or a long one) they are delivered before the process exits.
      const push = new zmq.Push({ ...quick, linger: Number(bindAddr) });
      push.connect(peer);
      for (let i = 0; i < 20; i++) await push.send(`m${i}`);
      push.close();
      say("closed");
      if (peer.startsWith("inproc://")) {
        // The late peer is here: it binds later, reads them all, and closes.
        later(async () => {
          const pull = new zmq.Pull();
          await pull.bind(peer);
          const got = [];
          for (let i = 0; i < 20; i++) got.push(text(await pull.receive()));
          say(`got ${got.join(",")}`);
          pull.close();
        });
      }
      break;
    }
    case "udp": {
      // RADIO/DISH over udp://: bound datagram sockets keep nothing alive, a pending receive does.
      const { Dish, Radio } = await import(libUrl.replace(/mod\.(ts|js)$/, "draft.$1"));
      const dish = new Dish();
      await dish.bind(bindAddr);
      dish.join("g");
      const radio = new Radio();
      radio.connect(dish.lastEndpoint);
      later(() => radio.send("late", { group: "g" }));
      const [body] = await dish.receive();
      say(`got ${new TextDecoder().decode(body)}`);
      break;
    }
    case "stream": {
      // A STREAM bound and a plain TCP-level peer (another STREAM) connected: nothing pending.
      const server = new zmq.Stream();
      await server.bind(bindAddr);
      const client = new zmq.Stream();
      client.connect(server.lastEndpoint);
      const [, hello] = await server.receive();
      say(`got ${hello.length === 0 ? "connect notification" : "data"}`);
      break;
    }
    default:
      throw new Error(`Unknown scenario ${scenario}`);
  }
}

main().then(() => say("returned"), (e) => {
  console.error(e);
  (globalThis.Deno?.exit ?? process.exit)(1);
});
