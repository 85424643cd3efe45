// One process of the demo (see scripts/demo.mjs). Runs on Deno, Bun and
// Node; `lib` is the library's entry (mod.ts for Deno/Bun, the built
// npm/esm/mod.js for Node). Roles:
//   hub    <lib>            binds REP, PUB, PULL; prints what it gets
//   client <lib> <name> <rep> <pub> <pull>
//   blast  <lib> <pull> <count> <size>   PUSH count messages as fast as possible

const args = globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2);
const [role, libPath, ...rest] = args;
const zmq = await import(libPath);
const runtime = globalThis.Bun
  ? `Bun ${globalThis.Bun.version}`
  : globalThis.Deno
  ? `Deno ${globalThis.Deno.version.deno}`
  : `Node ${process.versions.node}`;
const text = (b) => new TextDecoder().decode(b);
const say = (s) => console.log(`[${runtime}] ${s}`);

if (role === "hub") {
  const rep = new zmq.Reply({ linger: 0 });
  const pub = new zmq.Publisher({ linger: 0 });
  const pull = new zmq.Pull({ linger: 0 });
  await rep.bind("tcp://127.0.0.1:*");
  await pub.bind("tcp://127.0.0.1:*");
  await pull.bind("tcp://127.0.0.1:*");
  console.log(JSON.stringify({ rep: rep.lastEndpoint, pub: pub.lastEndpoint, pull: pull.lastEndpoint }));
  (async () => {
    for await (const [req] of rep) {
      say(`REP got request "${text(req)}"`);
      await rep.send(`reply from ${runtime} to "${text(req)}"`);
    }
  })();
  // Publish news until told to stop.
  let n = 0;
  const timer = setInterval(() => pub.send(["news", `bulletin ${++n} from ${runtime}`]), 50);
  // PULL: per-sender counts, then a throughput window.
  let count = 0, first = 0, bytes = 0;
  for await (const [m] of pull) {
    if (m.length > 0 && m[0] === 0x7b /* "{" */) {
      const j = JSON.parse(text(m));
      if (j.hello) say(`PULL got "${j.hello}"`);
      if (j.blastStart) {
        count = 0;
        bytes = 0;
        first = 0;
      }
      if (j.blastEnd) {
        const secs = (performance.now() - first) / 1000;
        say(
          `PULL throughput from ${j.blastEnd}: ${count} x ${j.size} B in ${secs.toFixed(2)} s = ${
            (count / secs / 1000).toFixed(0)
          } k msg/s (${(bytes / secs / 1e6).toFixed(1)} MB/s)`,
        );
      }
      if (j.stop) break;
      continue;
    }
    if (first === 0) first = performance.now();
    count++;
    bytes += m.length;
  }
  clearInterval(timer);
  rep.close();
  pub.close();
  pull.close();
} else if (role === "client") {
  const [name, repEp, pubEp, pullEp] = rest;
  const req = new zmq.Request({ linger: 0 });
  const sub = new zmq.Subscriber({ linger: 0 });
  const push = new zmq.Push({ linger: -1 });
  req.connect(repEp);
  sub.connect(pubEp);
  sub.subscribe("news");
  push.connect(pullEp);
  for (let i = 1; i <= 2; i++) {
    await req.send(`${name} request #${i}`);
    const [r] = await req.receive();
    say(`REQ got "${text(r)}"`);
  }
  for (let i = 0; i < 2; i++) {
    const [topic, body] = await sub.receive();
    say(`SUB got [${text(topic)}] "${text(body)}"`);
  }
  await push.send(JSON.stringify({ hello: `${name} on ${runtime} says hi over PUSH` }));
  req.close();
  sub.close();
  push.close();
} else if (role === "blast") {
  const [pullEp, countText, sizeText, name] = rest;
  const count = Number(countText), size = Number(sizeText);
  const push = new zmq.Push({ linger: -1 });
  push.connect(pullEp);
  await push.send(JSON.stringify({ blastStart: true }));
  const msg = new Uint8Array(size).fill(1);
  for (let i = 0; i < count; i++) await push.send(msg);
  await push.send(JSON.stringify({ blastEnd: `${name} on ${runtime}`, size }));
  push.close();
}
