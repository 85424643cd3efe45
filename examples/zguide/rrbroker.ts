// Request-reply broker (zguide chapter 2): a ROUTER front end for clients
// and a DEALER back end for workers. The guide polls both sockets; here
// each direction is its own loop, moving whole multipart messages (the
// envelope of routing ids travels with them). Ends after --seconds.
import { setTimeout as sleep } from "node:timers/promises";
import { Dealer, Router } from "../../mod.ts";
import { intOption, option } from "./_args.ts";

const frontend = new Router();
const backend = new Dealer();
await frontend.bind(option("frontend", "tcp://*:5559"));
await backend.bind(option("backend", "tcp://*:5560"));
console.log("Broker ready");

async function shuttle(from: AsyncIterable<Uint8Array[]>, to: { send(m: Uint8Array[]): Promise<void> }) {
  for await (const message of from) await to.send(message);
}
// Closing the sockets ends both loops.
const loops = Promise.all([shuttle(frontend, backend), shuttle(backend, frontend)]);
await sleep(intOption("seconds", 30) * 1000);
frontend.close();
backend.close();
await loops;
