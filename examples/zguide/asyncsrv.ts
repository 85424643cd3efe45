// Asynchronous client/server (zguide chapter 3, "The Asynchronous
// Client/Server Pattern"): in one process, --clients DEALER clients send
// requests to a ROUTER front end; a Proxy passes them to a DEALER back end
// over inproc, which spreads them over --workers DEALER worker tasks. Each
// worker answers one request with one to three replies, and the clients
// take replies as they come, while still sending. The guide's clients
// send forever; these send --count requests each and end when every
// request has had all its replies.
import { setTimeout as sleep } from "node:timers/promises";
import { Dealer, Proxy, Router } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const clients = intOption("clients", 3);
const workers = intOption("workers", 5);
const count = intOption("count", 5);

async function clientTask(name: string, endpoint: string): Promise<string> {
  const client = new Dealer({ routingId: name });
  client.connect(endpoint);
  // Reply counts per request, learned from the first reply ("i/n").
  const outstanding = new Map<number, number>();
  let replies = 0;
  let queued = 0;
  const sending = (async () => {
    for (let n = 1; n <= count; n++) {
      outstanding.set(n, -1);
      queued++;
      await client.send(`request #${n}`);
      await sleep(10);
    }
  })();
  for await (const [reply] of client) {
    const m = /^request #(\d+) reply (\d+)\/(\d+)$/.exec(text(reply));
    if (m === null) throw new Error(`${name}: unexpected reply ${text(reply)}`);
    const [request, total] = [Number(m[1]), Number(m[3])];
    const left = outstanding.get(request);
    if (left === undefined) throw new Error(`${name}: reply to an unknown request ${request}`);
    replies++;
    if (left === 1 || (left === -1 && total === 1)) outstanding.delete(request);
    else outstanding.set(request, left === -1 ? total - 1 : left - 1);
    if (outstanding.size === 0 && queued === count) break;
  }
  await sending;
  client.close();
  return `${name}: all ${count} requests answered (${replies} replies)`;
}

const workerSockets: Dealer[] = [];

async function workerTask(backend: string): Promise<void> {
  const worker = new Dealer();
  workerSockets.push(worker);
  worker.connect(backend);
  // [client identity, request]: the back end's DEALER keeps the envelope.
  for await (const [identity, request] of worker) {
    const replies = 1 + Math.floor(Math.random() * 3);
    for (let i = 1; i <= replies; i++) {
      await sleep(Math.floor(Math.random() * 20));
      await worker.send([identity, `${text(request)} reply ${i}/${replies}`]);
    }
  }
}

const proxy = new Proxy(new Router(), new Dealer());
await proxy.frontEnd.bind(option("bind", "tcp://127.0.0.1:*"));
await proxy.backEnd.bind("inproc://backend");
const serving = proxy.run();
const workerTasks = Array.from({ length: workers }, () => workerTask("inproc://backend"));

const names = Array.from({ length: clients }, (_, i) => `client-${String.fromCharCode(65 + i)}`);
for (const line of await Promise.all(names.map((n) => clientTask(n, proxy.frontEnd.lastEndpoint!)))) {
  console.log(line);
}
proxy.terminate();
await serving;
for (const w of workerSockets) w.close();
await Promise.all(workerTasks); // each ends as its socket closes
