// Weather update proxy (zguide chapter 2, "Intermediaries and Proxies"): an
// XSUB socket connects to the weather server, an XPUB socket binds where
// subscribers connect, and a Proxy forwards updates one way and
// subscriptions the other. Ends after --seconds.
import { setTimeout as sleep } from "node:timers/promises";
import { Proxy, XPublisher, XSubscriber } from "../../mod.ts";
import { intOption, option } from "./_args.ts";

const frontend = new XSubscriber();
frontend.connect(option("connect", "tcp://localhost:5556"));
const backend = new XPublisher();
await backend.bind(option("bind", "tcp://*:8100"));

const proxy = new Proxy(frontend, backend);
const done = proxy.run();
console.log("Proxy running");
await sleep(intOption("seconds", 30) * 1000);
proxy.terminate(); // run() then closes both sockets
await done;
