// The tcp options the transports apply, each observed where it shows:
// tcpAcceptFilter and ipv6 by what connects, backlog and the keepalive
// options in the kernel's socket table (ss), socksProxy through microsocks
// and through a small SOCKS5 server here (for the replies microsocks never
// gives). Options no runtime can set are in the README's list instead.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { Pull, Push } from "../mod.ts";
import { runtime } from "../transports/tcp.ts";
import { closeAll, freeTcpAddress, nextEvents, rejectsWithCode, text, WAIT, withTimeout } from "./_helpers.ts";

const T = { timeout: 20000 };

function hasTool(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const SS = hasTool("ss", ["-V"]);
const MICROSOCKS = hasTool("sh", ["-c", "command -v microsocks"]);

function portOf(ep: string): number {
  return Number(ep.slice(ep.lastIndexOf(":") + 1));
}

// The kernel's view of the sockets matching an ss filter.
function ss(args: string[], filter: string): string {
  return execFileSync("ss", [...args, filter]).toString();
}

// Sends one message push -> pull and returns it.
async function roundTrip(push: Push, pull: Pull, what: string): Promise<string> {
  await push.send(what);
  const [m] = await withTimeout(pull.receive(), WAIT, "the message");
  return text(m);
}

describe("tcpAcceptFilter", () => {
  test("a connection from an address no filter takes is closed at once, with accept:error", T, async () => {
    const pull = new Pull({ linger: 0, tcpAcceptFilter: "10.0.0.1" });
    const push = new Push({ linger: 0, reconnectInterval: 50 });
    try {
      await pull.bind("tcp://127.0.0.1:0");
      let accepted = 0;
      pull.events.on("accept", () => accepted++);
      // Two: the push retries after the first was closed.
      const refused = nextEvents(pull, "accept:error", 2);
      push.connect(pull.lastEndpoint!);
      await withTimeout(refused, WAIT, "two refusals");
      assert.equal(accepted, 0);
    } finally {
      closeAll(push, pull);
    }
  });

  test("an address a filter (or a mask) takes is served", T, async () => {
    for (const filters of [["127.0.0.1"], ["10.0.0.1", "127.0.0.0/8"], ["::ffff:127.0.0.1"]]) {
      const pull = new Pull({ linger: 0 });
      for (const f of filters) pull.tcpAcceptFilter = f;
      const push = new Push({ linger: 0 });
      try {
        await pull.bind("tcp://127.0.0.1:0");
        let refused = 0;
        pull.events.on("accept:error", () => refused++);
        push.connect(pull.lastEndpoint!);
        assert.equal(await roundTrip(push, pull, "in"), "in", filters.join(","));
        assert.equal(refused, 0);
      } finally {
        closeAll(push, pull);
      }
    }
  });
});

describe("ipv6", () => {
  test("off: binding an IPv6 address fails with ENODEV, connecting to one is retried", T, async () => {
    const pull = new Pull({ linger: 0 });
    const server = new Pull({ linger: 0, ipv6: true });
    const push = new Push({ linger: 0, reconnectInterval: 50 });
    try {
      await rejectsWithCode(pull.bind("tcp://[::1]:0"), "ENODEV");
      await server.bind("tcp://[::1]:0");
      let connected = 0;
      push.events.on("connect", () => connected++);
      const retried = nextEvents(push, "connect:retry", 2);
      push.connect(server.lastEndpoint!);
      await withTimeout(retried, WAIT, "two retries");
      assert.equal(connected, 0);
    } finally {
      closeAll(push, pull, server);
    }
  });

  test("on: [::1] binds and connects", T, async () => {
    const pull = new Pull({ linger: 0, ipv6: true });
    const push = new Push({ linger: 0, ipv6: true });
    try {
      await pull.bind("tcp://[::1]:0");
      assert.match(pull.lastEndpoint!, /^tcp:\/\/\[::1\]:\d+$/);
      push.connect(pull.lastEndpoint!);
      assert.equal(await roundTrip(push, pull, "six"), "six");
    } finally {
      closeAll(push, pull);
    }
  });

  test("on: tcp://*:port is the IPv6 any, which takes IPv4 too; off it is IPv4's", T, async () => {
    const dual = new Pull({ linger: 0, ipv6: true });
    const four = new Pull({ linger: 0 });
    const a = new Push({ linger: 0 });
    const b = new Push({ linger: 0, ipv6: true });
    try {
      await dual.bind("tcp://*:0");
      assert.match(dual.lastEndpoint!, /^tcp:\/\/\[::\]:\d+$/);
      await four.bind("tcp://*:0");
      assert.match(four.lastEndpoint!, /^tcp:\/\/0\.0\.0\.0:\d+$/);
      a.connect(`tcp://127.0.0.1:${portOf(dual.lastEndpoint!)}`);
      assert.equal(await roundTrip(a, dual, "v4"), "v4");
      b.connect(`tcp://[::1]:${portOf(dual.lastEndpoint!)}`);
      assert.equal(await roundTrip(b, dual, "v6"), "v6");
    } finally {
      closeAll(a, b, dual, four);
    }
  });
});

describe("backlog", { skip: !SS && "needs ss" }, () => {
  // Deno.listen and Bun.listen take no backlog (in the README's list).
  test(
    "is the listen queue of the bound socket",
    { ...T, skip: runtime !== "node" && "Deno.listen and Bun.listen take no backlog" },
    async () => {
      const pull = new Pull({ linger: 0, backlog: 7 });
      try {
        await pull.bind("tcp://127.0.0.1:0");
        const out = ss(["-ltnH"], `( sport = :${portOf(pull.lastEndpoint!)} )`);
        // LISTEN's Send-Q column is the backlog.
        assert.match(out, /^LISTEN\s+\d+\s+7\s/m, out);
      } finally {
        closeAll(pull);
      }
    },
  );
});

describe("tcpKeepalive", { skip: !SS && "needs ss" }, () => {
  // ss -o shows "timer:(keepalive,<time left>,0)" on a connection with keepalive on.
  async function timerOf(pushOpts: Record<string, number>, pullOpts: Record<string, number> = {}) {
    const pull = new Pull({ linger: 0, ...pullOpts });
    const push = new Push({ linger: 0, ...pushOpts });
    try {
      await pull.bind("tcp://127.0.0.1:0");
      const port = portOf(pull.lastEndpoint!);
      push.connect(pull.lastEndpoint!);
      await roundTrip(push, pull, "ka");
      // While bytes wait for their ACK the timer shown is the retransmit
      // one ("on"); bounded wait for both sides to be idle.
      let push_ = "", pull_ = "";
      for (let i = 0; i < 400; i++) {
        push_ = ss(["-tnoH", "state", "established"], `( dport = :${port} )`);
        pull_ = ss(["-tnoH", "state", "established"], `( sport = :${port} )`);
        if (push_ !== "" && pull_ !== "" && !/timer:\(on,/.test(push_ + pull_)) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      return { push: push_, pull: pull_ };
    } finally {
      closeAll(push, pull);
    }
  }

  test("1 turns keepalive on, on connected and accepted connections; -1 and 0 leave it off", T, async () => {
    const on = await timerOf({ tcpKeepalive: 1 }, { tcpKeepalive: 1 });
    assert.match(on.push, /timer:\(keepalive,/, on.push);
    assert.match(on.pull, /timer:\(keepalive,/, on.pull);
    for (const v of [-1, 0]) {
      const off = await timerOf({ tcpKeepalive: v }, { tcpKeepalive: v });
      assert.doesNotMatch(off.push + off.pull, /keepalive/, `tcpKeepalive ${v}`);
    }
  });

  // Deno.Conn sets SO_KEEPALIVE only (in the README's list).
  test("tcpKeepaliveIdle is the idle time before the first probe", {
    ...T,
    skip: runtime === "deno" && "Deno.Conn has no keepalive idle time",
  }, async () => {
    // 5000 s shows as 83min; the system's default (7200 s) would show as 119min.
    const t = await timerOf({ tcpKeepalive: 1, tcpKeepaliveIdle: 5000 }, { tcpKeepalive: 1, tcpKeepaliveIdle: 5000 });
    assert.match(t.push, /timer:\(keepalive,8[23]min,/, t.push);
    assert.match(t.pull, /timer:\(keepalive,8[23]min,/, t.pull);
  });
});

// Only Bun's sockets can set IP_TOS (setTypeOfService); node:net and Deno.Conn cannot (in the README's list).
describe("typeOfService", { skip: !SS && "needs ss" }, () => {
  test("sets the TOS byte of connected and accepted connections", {
    ...T,
    skip: runtime !== "bun" && "only Bun's sockets can set IP_TOS",
  }, async () => {
    const pull = new Pull({ linger: 0, typeOfService: 0x10 });
    const push = new Push({ linger: 0, typeOfService: 0x28 });
    try {
      await pull.bind("tcp://127.0.0.1:0");
      const port = portOf(pull.lastEndpoint!);
      push.connect(pull.lastEndpoint!);
      await roundTrip(push, pull, "tos");
      const out = ss(["-tnH", "--tos", "state", "established"], `( dport = :${port} )`);
      const acc = ss(["-tnH", "--tos", "state", "established"], `( sport = :${port} )`);
      assert.match(out, /tos:0x28/, out);
      assert.match(acc, /tos:0x10/, acc);
    } finally {
      closeAll(push, pull);
    }
  });
});

// -- SOCKS5 -------------------------------------------------------------------

type Reply = "ok" | "no-method" | "refused" | "bad-version" | "hang-up";

// A SOCKS5 server for one behaviour: "ok" relays to the requested IPv4
// address and port (and counts the requests), the others fail the way named.
class Socks {
  readonly requests: Uint8Array[] = [];
  connections = 0;
  #server = net.createServer();
  #sockets = new Set<net.Socket>();
  port = 0;

  constructor(readonly reply: Reply) {}

  async start(): Promise<string> {
    this.#server.on("connection", (s) => this.#serve(s));
    await new Promise<void>((r) => this.#server.listen({ host: "127.0.0.1", port: 0 }, r));
    this.port = (this.#server.address() as net.AddressInfo).port;
    return `127.0.0.1:${this.port}`;
  }

  #serve(s: net.Socket): void {
    this.connections++;
    this.#sockets.add(s);
    s.on("close", () => this.#sockets.delete(s));
    s.on("error", () => {});
    let buf = Buffer.alloc(0);
    let stage = 0;
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (stage === 0 && buf.length >= 2 && buf.length >= 2 + buf[1]) {
        buf = buf.subarray(2 + buf[1]);
        stage = 1;
        if (this.reply === "no-method") return void s.end(Buffer.from([5, 0xff]));
        if (this.reply === "bad-version") return void s.write(Buffer.from([4, 0]));
        if (this.reply === "hang-up") return void s.destroy();
        s.write(Buffer.from([5, 0]));
      }
      if (stage === 1 && buf.length >= 10 && buf[3] === 1) {
        this.requests.push(new Uint8Array(buf.subarray(0, 10)));
        if (this.reply === "refused") return void s.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
        const host = [...buf.subarray(4, 8)].join(".");
        const port = buf.readUInt16BE(8);
        stage = 2;
        s.off("data", onData);
        s.pause();
        const up = net.createConnection({ host, port }, () => {
          // The reply and the peer's first bytes may share a chunk.
          s.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          s.pipe(up);
          up.pipe(s);
          s.resume();
        });
        this.#sockets.add(up);
        up.on("close", () => {
          this.#sockets.delete(up);
          s.destroy();
        });
        up.on("error", () => s.destroy());
        s.on("close", () => up.destroy());
      }
    };
    s.on("data", onData);
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

describe("socksProxy", () => {
  test("PUSH reaches PULL through a SOCKS5 server, which is asked for the endpoint", T, async () => {
    const proxy = new Socks("ok");
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0, socksProxy: await proxy.start() });
    try {
      await pull.bind("tcp://127.0.0.1:0");
      const port = portOf(pull.lastEndpoint!);
      push.connect(pull.lastEndpoint!);
      assert.equal(await roundTrip(push, pull, "via socks"), "via socks");
      assert.deepEqual([...proxy.requests[0]], [5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff]);
      assert.equal(proxy.connections, 1);
    } finally {
      closeAll(push, pull);
      await proxy.stop();
    }
  });

  for (const reply of ["no-method", "refused", "bad-version", "hang-up"] as const) {
    test(`a proxy that fails (${reply}) fails the attempt, which is retried`, T, async () => {
      const proxy = new Socks(reply);
      const push = new Push({ linger: 0, reconnectInterval: 50, socksProxy: await proxy.start() });
      try {
        let connected = 0;
        push.events.on("connect", () => connected++);
        const retried = nextEvents(push, "connect:retry", 2);
        push.connect(await freeTcpAddress());
        await withTimeout(retried, WAIT, "two retries");
        assert.equal(connected, 0);
        assert.ok(proxy.connections >= 2, `${proxy.connections} connections to the proxy`);
      } finally {
        closeAll(push);
        await proxy.stop();
      }
    });
  }

  describe("through microsocks", { skip: (!MICROSOCKS || !SS) && "needs microsocks and ss" }, () => {
    let proc: ChildProcess | null = null;
    let proxy = "";

    async function startMicrosocks(): Promise<void> {
      const port = portOf(await freeTcpAddress());
      proc = spawn("microsocks", ["-i", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
      proxy = `127.0.0.1:${port}`;
      // Bounded: until it accepts connections.
      for (let i = 0; i < 200; i++) {
        const up = await new Promise<boolean>((r) => {
          const c = net.createConnection({ host: "127.0.0.1", port }, () => {
            c.destroy();
            r(true);
          });
          c.on("error", () => r(false));
        });
        if (up) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error("microsocks did not start");
    }

    test("PUSH -> PULL, by address and by host name, over a connection to the proxy", T, async () => {
      await startMicrosocks();
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0, socksProxy: proxy });
      const named = new Push({ linger: 0, socksProxy: proxy });
      try {
        await pull.bind("tcp://127.0.0.1:0");
        const port = portOf(pull.lastEndpoint!);
        push.connect(pull.lastEndpoint!);
        assert.equal(await roundTrip(push, pull, "micro"), "micro");
        // The name goes to the proxy, which resolves it.
        named.connect(`tcp://localhost:${port}`);
        assert.equal(await roundTrip(named, pull, "named"), "named");
        const out = ss(["-tnH", "state", "established"], `( dport = :${portOf(proxy)} )`);
        assert.equal(out.trim().split("\n").length, 2, out);
      } finally {
        closeAll(push, named, pull);
        proc?.kill();
        await new Promise((r) => proc?.once("exit", r));
      }
    });
  });
});
