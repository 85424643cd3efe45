// Runs in the browser (browser_test.ts serves it next to bundle.js). The
// query string names the endpoints; the result goes into document.title and
// is POSTed to /result as JSON.

// Imported by URL: bundle.js exists only on the test server, not on disk.
const { capability, Pair, Pull, Request, Router, Subscriber, XPublisher } = await import(
  new URL("./bundle.js", import.meta.url).href
);

const q = new URLSearchParams(location.search);
const dec = new TextDecoder();
const texts = (msg) => msg.map((f) => dec.decode(f));
const out = { userAgent: navigator.userAgent };
const socks = [];

async function run() {
  // REQ/REP over ws:// to a REP in the test process.
  const req = new Request({ linger: 0, receiveTimeout: 5000, sendTimeout: 5000 });
  socks.push(req);
  req.connect(q.get("rep"));
  out.replies = [];
  for (let i = 0; i < 3; i++) {
    await req.send(["hello from the browser", String(i)]);
    out.replies.push(texts(await req.receive()));
  }

  // SUB over ws:// to a PUB that publishes "news" and "other" until we report.
  const sub = new Subscriber({ linger: 0, receiveTimeout: 5000 });
  socks.push(sub);
  sub.subscribe("news");
  sub.connect(q.get("pub"));
  out.news = [];
  while (out.news.length < 3) out.news.push(texts(await sub.receive()));

  // inproc inside the page: no transport at all.
  const a = new Pair({ linger: 0, receiveTimeout: 2000 });
  const b = new Pair({ linger: 0, receiveTimeout: 2000 });
  socks.push(a, b);
  await a.bind("inproc://page");
  b.connect("inproc://page");
  await b.send(["inproc", "works"]);
  const got = await a.receive();
  out.inproc = texts(got);
  // No Buffer in a browser: received frames are plain Uint8Arrays there.
  out.frameClass = got.map((f) => Object.getPrototypeOf(f) === Uint8Array.prototype ? "Uint8Array" : "other");

  // The test page is not cross-origin isolated: no shared memory, the channel fallback.
  out.capability = { inprocThreads: capability.inprocThreads, inprocSharedMemory: capability.inprocSharedMemory };
  // inproc between the page and a Web Worker (worker.js).
  const pull = new Pull({ linger: 0, receiveTimeout: 10000 });
  const ask = new Request({ linger: 0, receiveTimeout: 10000, sendTimeout: 10000 });
  socks.push(pull, ask);
  await pull.bind("inproc://page-pull");
  const xpub = new XPublisher({ linger: 0, receiveTimeout: 10000 });
  const router = new Router({ linger: 0, receiveTimeout: 10000, mandatory: true });
  socks.push(xpub, router);
  await xpub.bind("inproc://page-xpub");
  await router.bind("inproc://page-router");
  // Connected before the worker binds it.
  ask.connect("inproc://worker-rep");
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onerror = (e) => out.workerError = String(e.message);
  out.fromWorker = [];
  for (let i = 0; i < 3; i++) out.fromWorker.push(...texts(await pull.receive()));
  await ask.send("across threads");
  out.workerReply = texts(await ask.receive());
  // PUB/SUB across the boundary: publish once the worker's subscription is here.
  out.subscription = [...(await xpub.receive())[0]];
  for (const m of ["b1", "a1", "b2", "a2"]) await xpub.send([m, "body"]);
  out.subFromWorker = [texts(await pull.receive()), texts(await pull.receive())];
  // DEALER/ROUTER: the worker's routing id comes first, and routes the answer.
  out.routerGot = texts(await router.receive());
  await router.send([out.routerGot[0], "back to", out.routerGot[0]]);
  out.dealerGot = texts(await pull.receive());
  worker.terminate();

  // CURVE over ws:// needs ZWS2.0/CURVE, which a browser's WebSocket cannot
  // offer: the socket says so at once, and does not retry.
  const creq = new Request({
    linger: 0,
    curveServerKey: q.get("curveServerKey"),
    curvePublicKey: q.get("curvePublicKey"),
    curveSecretKey: q.get("curveSecretKey"),
  });
  socks.push(creq);
  const events = [];
  const refused = new Promise((resolve) => {
    creq.events.on("handshake:error:protocol", (e) => resolve(e.error.message));
    creq.events.on("connect:retry", () => events.push("connect:retry"));
  });
  creq.connect(q.get("curve"));
  out.curveRefusal = await Promise.race([refused, new Promise((r) => setTimeout(() => r("no event in 5 s"), 5000))]);
  await new Promise((r) => setTimeout(r, 300));
  out.curveRetries = events.length;

  // Binding ws:// needs a server runtime: it must fail cleanly here.
  try {
    await a.bind("ws://127.0.0.1:*/nope");
    out.bindError = "none";
  } catch (e) {
    out.bindError = e.code ?? String(e);
  }
  out.ok = true;
}

try {
  await run();
} catch (e) {
  out.ok = false;
  out.error = String(e?.stack ?? e);
} finally {
  for (const s of socks) s.close();
}
document.title = out.ok ? "PASS" : "FAIL";
document.getElementById("out").textContent = JSON.stringify(out, null, 2);
await fetch("/result", { method: "POST", body: JSON.stringify(out) });
