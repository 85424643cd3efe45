// A Web Worker of page.js: its sockets reach the page's over inproc://
// (names of the default context are seen by every thread). It pushes three
// messages to the page's PULL, then answers the page's REQ from a REP it
// binds after the page connected.
const { Push, Reply } = await import(new URL("./bundle.js", import.meta.url).href);

const push = new Push();
push.connect("inproc://page-pull");
for (const m of ["from", "a", "worker"]) await push.send(m);
push.close();

const rep = new Reply();
await rep.bind("inproc://worker-rep");
const [q] = await rep.receive();
await rep.send(new TextDecoder().decode(q).toUpperCase());
rep.close();
