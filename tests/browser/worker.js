// A Web Worker of page.js: its sockets reach the page's over inproc://
// (names of the default context are seen by every thread). It pushes three
// messages to the page's PULL, answers the page's REQ from a REP it binds
// after the page connected, then subscribes to the page's XPUB and talks to
// the page's ROUTER from a DEALER, reporting what it got over the PUSH.
const { Dealer, Push, Reply, Subscriber } = await import(new URL("./bundle.js", import.meta.url).href);

const dec = new TextDecoder();
const texts = (msg) => msg.map((f) => dec.decode(f));

const push = new Push();
push.connect("inproc://page-pull");
for (const m of ["from", "a", "worker"]) await push.send(m);

const rep = new Reply();
await rep.bind("inproc://worker-rep");
const [q] = await rep.receive();
await rep.send(dec.decode(q).toUpperCase());
rep.close();

// PUB/SUB across the boundary: the page publishes once its XPUB has the
// subscription, so the first two "a" messages are the ones to get.
const sub = new Subscriber();
sub.subscribe("a");
sub.connect("inproc://page-xpub");
for (let i = 0; i < 2; i++) await push.send(["sub", ...texts(await sub.receive())]);
sub.close();

// DEALER/ROUTER: the page's ROUTER sees our routing id and answers by it.
const dealer = new Dealer({ routingId: "w1" });
dealer.connect("inproc://page-router");
await dealer.send(["hi from", "the worker"]);
await push.send(["dealer", ...texts(await dealer.receive())]);
dealer.close();

// The default linger delivers what is still queued.
push.close();
