// Message queuing broker (zguide chapter 2, "ZeroMQ's Built-In Proxy
// Function"): rrbroker's two loops are what Proxy does, so this is
// rrbroker in a few lines. Ends after --seconds.
import { setTimeout as sleep } from "node:timers/promises";
import { Dealer, Proxy, Router } from "../../mod.ts";
import { intOption, option } from "./_args.ts";

const proxy = new Proxy(new Router(), new Dealer());
await proxy.frontEnd.bind(option("frontend", "tcp://*:5559"));
await proxy.backEnd.bind(option("backend", "tcp://*:5560"));
const done = proxy.run();
console.log("Queue ready");
await sleep(intOption("seconds", 30) * 1000);
proxy.terminate();
await done;
