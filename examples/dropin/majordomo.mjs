// zeromq.js's examples/majordomo in one file: a ROUTER broker, DEALER
// workers for three services, REQ clients asking in parallel. The workers
// answer at once (the original sleeps a random time), yet the interleaving of
// nine parallel requests and the routing ids are the network's and libzmq's
// choice, so the test compares the sorted lines with the ids masked. The
// broker stops once every worker said goodbye (the original stops all at
// once and leaves the exit to a timer, as a worker's last message to a
// closed broker waits out the linger).
import { Dealer, Request, Router } from "zmtp-zeromq";

const port = process.env.PORT ?? "5555";
const ADDRESS = `tcp://127.0.0.1:${port}`;
const Header = { Client: "MDPC01", Worker: "MDPW01" };
const Message = { Ready: "\x01", Request: "\x02", Reply: "\x03", Heartbeat: "\x04", Disconnect: "\x05" };

class Service {
  workers = new Map();
  requests = [];

  constructor(socket, name) {
    this.socket = socket;
    this.name = name;
  }

  dispatchRequest(client, ...req) {
    this.requests.push([client, req]);
    return this.dispatchPending();
  }

  async dispatchReply(worker, client, ...rep) {
    this.workers.set(worker.toString("hex"), worker);
    console.log(`dispatching '${this.name}' ${client.toString("hex")} <- rep ${worker.toString("hex")}`);
    await this.socket.send([client, null, Header.Client, this.name, ...rep]);
    return this.dispatchPending();
  }

  async dispatchPending() {
    while (this.workers.size && this.requests.length) {
      const [key, worker] = this.workers.entries().next().value;
      this.workers.delete(key);
      const [client, req] = this.requests.shift();
      console.log(`dispatching '${this.name}' ${client.toString("hex")} req -> ${worker.toString("hex")}`);
      await this.socket.send([worker, null, Header.Worker, Message.Request, client, null, ...req]);
    }
  }

  register(worker) {
    console.log(`registered worker ${worker.toString("hex")} for '${this.name}'`);
    this.workers.set(worker.toString("hex"), worker);
    return this.dispatchPending();
  }

  deregister(worker) {
    console.log(`deregistered worker ${worker.toString("hex")} for '${this.name}'`);
    this.workers.delete(worker.toString("hex"));
    return this.dispatchPending();
  }
}

class Broker {
  socket = new Router({ sendHighWaterMark: 1, sendTimeout: 1 });
  services = new Map();
  workers = new Map();

  constructor(address) {
    this.address = address;
  }

  async start() {
    console.log(`starting broker on ${this.address}`);
    await this.socket.bind(this.address);
    for await (const [sender, _blank, header, ...rest] of this.socket) {
      switch (header.toString()) {
        case Header.Client:
          await this.handleClient(sender, ...rest);
          break;
        case Header.Worker:
          await this.handleWorker(sender, ...rest);
          break;
        default:
          console.error(`invalid message header: ${header}`);
      }
    }
  }

  stop() {
    if (!this.socket.closed) this.socket.close();
  }

  handleClient(client, service, ...req) {
    if (service) return this.getService(service).dispatchRequest(client, ...req);
  }

  handleWorker(worker, type, ...rest) {
    switch (type?.toString()) {
      case Message.Ready: {
        const [service] = rest;
        this.workers.set(worker.toString("hex"), service);
        return this.getService(service).register(worker);
      }
      case Message.Reply: {
        const [client, _blank, ...rep] = rest;
        const service = this.workers.get(worker.toString("hex"));
        return this.getService(service).dispatchReply(worker, client, ...rep).catch((err) => console.error(err));
      }
      case Message.Heartbeat:
        break;
      case Message.Disconnect: {
        const service = this.workers.get(worker.toString("hex"));
        this.workers.delete(worker.toString("hex"));
        if (this.workers.size === 0) this.stop();
        return this.getService(service).deregister(worker);
      }
      default:
        console.error(`invalid worker message type: ${type}`);
    }
  }

  getService(name) {
    const key = name.toString();
    if (!this.services.has(key)) this.services.set(key, new Service(this.socket, key));
    return this.services.get(key);
  }
}

class Worker {
  socket = new Dealer();

  constructor(service, address) {
    this.service = service;
    this.address = address;
    this.socket.connect(address);
  }

  async start() {
    console.log(`starting worker ${this.service} on ${this.address}`);
    await this.socket.send([null, Header.Worker, Message.Ready, this.service]);
    for await (const [_blank1, _header, _type, client, _blank2, ...req] of this.socket) {
      try {
        await this.socket.send([null, Header.Worker, Message.Reply, client, null, ...req]);
      } catch {
        console.error(`unable to send reply for ${this.address}`);
      }
    }
  }

  async stop() {
    if (!this.socket.closed) {
      await this.socket.send([null, Header.Worker, Message.Disconnect, this.service]);
      this.socket.close();
    }
  }
}

const broker = new Broker(ADDRESS);
// One worker per service: the original's second tea worker never gets a
// connection with zeromq.js 6.8 (nor says goodbye, so the program hangs).
const workers = ["soda", "tea", "coffee"].map((s) => new Worker(s, ADDRESS));

async function request(service, ...req) {
  const socket = new Request({ receiveTimeout: 2000 });
  socket.connect(broker.address);
  console.log(`requesting '${req.join(", ")}' from '${service}'`);
  await socket.send(["MDPC01", service, ...req]);
  try {
    const [_blank, _header, ...res] = await socket.receive();
    console.log(`received '${res.join(", ")}' from '${service}'`);
    return res;
  } catch (err) {
    console.log(`timeout expired waiting for '${service}'`, err);
  }
}

async function main() {
  const started = Promise.all([broker.start(), ...workers.map((w) => w.start())]);
  console.log("---------- Started -----------");
  await Promise.all([
    request("soda", "cola"),
    request("tea", "oolong"),
    request("tea", "sencha"),
    request("tea", "earl grey", "with milk"),
    request("tea", "jasmine"),
    request("coffee", "cappuccino"),
    request("coffee", "latte", "with soy milk"),
    request("coffee", "espresso"),
    request("coffee", "irish coffee"),
  ]);
  console.log("---------- Stopping -----------");
  await Promise.all(workers.map((w) => w.stop()));
  await started;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
