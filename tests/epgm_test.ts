// epgm://: PGM over UDP. The protocol pieces on a test clock and an
// in-memory network (loss, repair, fragments, malformed packets), our
// sockets over the loopback interface, and libzmq (pyzmq, on Debian's
// OpenPGM) in a network namespace of its own: OpenPGM shares the port with
// SO_REUSEPORT, which node:dgram cannot set, so the two cannot bind it in
// one namespace. This kernel has no netem: loss comes from a fault hook on
// our side (lib/epgm.ts setEpgmFaults), which drops datagrams as a lossy
// link would, and the repairs then come from, or go to, libzmq.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { Publisher, Subscriber, XPublisher, XSubscriber } from "../mod.ts";
import { epgmStatistics, setEpgmFaults } from "../lib/epgm.ts";
import {
  checksum,
  encodeData,
  encodeNak,
  encodeSpm,
  NAK,
  NCF,
  ODATA,
  type Packet,
  parsePacket,
  SPM,
} from "../lib/pgm/packet.ts";
import { ApduDecoder, NO_START, packMessages } from "../lib/pgm/framing.ts";
import { type PgmClock, PgmSender } from "../lib/pgm/sender.ts";
import { PgmReceiver } from "../lib/pgm/receiver.ts";
import type { ReceiverStats } from "../lib/pgm/receiver.ts";
import type { SenderStats } from "../lib/pgm/sender.ts";
import { ROOT } from "./interop/_harness.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string) => enc.encode(s);
const hex = (u: Uint8Array) => Array.from(u, (x) => x.toString(16).padStart(2, "0")).join("");

// ---------------------------------------------------------------------------
// A test clock and an in-memory network between one PgmSender and receivers.

class TestClock implements PgmClock {
  t = 0;
  #id = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.#id;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => void this.#timers.delete(h as number);
  /** Runs the timers due within `ms`, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let guard = 0; guard < 100000; guard++) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.#timers) if (e[1].at <= end && (next === null || e[1].at < next[1].at)) next = e;
      if (next === null) break;
      this.#timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }
}

const GSI = Uint8Array.of(1, 2, 3, 4, 5, 6);
const PORT = 7500;
const GROUP = "239.192.0.1";
const NLA = "10.0.0.1";

interface Net {
  clock: TestClock;
  sender: PgmSender;
  receiver: PgmReceiver;
  apdus: Uint8Array[];
  losses: number;
  /** Delivers what is in flight (the sender's packets through `drop`). */
  flush(): void;
}

function network(
  drop: (p: Packet, n: number) => boolean,
  o: { rate?: number; recoveryInterval?: number; maxTpdu?: number } = {},
): Net {
  const clock = new TestClock();
  const down: Uint8Array[] = [];
  const up: Uint8Array[] = [];
  let n = 0;
  const sender = new PgmSender(
    {
      gsi: GSI,
      sport: 4242,
      dport: PORT,
      group: GROUP,
      nla: NLA,
      maxTpdu: o.maxTpdu ?? 1500,
      rate: o.rate ?? 100000,
      recoveryInterval: o.recoveryInterval ?? 10000,
    },
    { multicast: (d) => down.push(d), unicast: (d) => up.push(d) },
    clock,
  );
  const net: Net = {
    clock,
    sender,
    receiver: null as unknown as PgmReceiver,
    apdus: [],
    losses: 0,
    flush() {
      for (let guard = 0; guard < 100000 && (down.length > 0 || up.length > 0); guard++) {
        const d = down.shift();
        if (d !== undefined) {
          const p = parsePacket(d);
          assert.equal(typeof p, "object", String(p));
          if (!drop(p as Packet, n++)) net.receiver.onPacket(p as Packet);
        }
        const u = up.shift();
        if (u !== undefined) sender.onPacket(parsePacket(u) as Packet);
      }
    },
  };
  net.receiver = new PgmReceiver(
    { dport: PORT, group: GROUP },
    {
      multicast: (d) => up.push(d),
      unicast: (d, host) => {
        assert.equal(host, NLA);
        up.push(d);
      },
    },
    clock,
    {
      apdu: (_s, a) => net.apdus.push(a.slice()),
      loss: () => net.losses++,
    },
  );
  // The receiver needs the first SPM to know where NAKs go.
  net.flush();
  return net;
}

function run(net: Net, until: () => boolean, ms = 60000): void {
  for (let t = 0; t < ms && !until(); t += 10) {
    net.clock.advance(10);
    net.flush();
  }
}

describe("epgm: PGM packets", () => {
  test("the checksum is RFC 1071's, 0 sent as 0xffff", () => {
    // RFC 1071's example words sum to 0xddf2 (folded), so the checksum is its complement.
    assert.equal(checksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7)), 0x220d);
    assert.equal(checksum(Uint8Array.of(0xff, 0xff)), 0xffff);
    assert.equal(checksum(Uint8Array.of(0x00, 0x00)), 0xffff);
  });

  // Captured from libzmq 4.3.4 / OpenPGM 5.3 (Debian's pyzmq) on a veth pair.
  const unhex = (s: string) => Uint8Array.from(s.match(/../g)!, (x) => parseInt(x, 16));
  test("packets OpenPGM sent parse, checksums included, and ours encode the same bytes", () => {
    const spm = unhex("933e17df0000b5fcb7c6d1bc038a00000000000000000000ffffffff000100000ad50702");
    const gsi = unhex("b7c6d1bc038a");
    const c = { sport: 0x933e, dport: 6111, gsi };
    assert.deepEqual(parsePacket(spm), {
      ...c,
      type: SPM,
      sqn: 0,
      trail: 0,
      lead: 0xffffffff,
      nla: "10.213.7.2",
      fin: false,
    });
    assert.equal(hex(encodeSpm(c, 0, 0, 0xffffffff, "10.213.7.2")), hex(spm));
    const odata = unhex("933e17df04004573b7c6d1bc038a000d000000000000000000000601746f70696303007730");
    const d = parsePacket(odata) as Packet & { data: Uint8Array };
    assert.equal(d.type, ODATA);
    assert.equal(hex(encodeData(c, ODATA, 0, 0, d.data)), hex(odata));
    const out: string[][] = [];
    new ApduDecoder().push(d.data, (m) => out.push(m.map((f) => dec.decode(f))));
    assert.deepEqual(out, [["topic", "w0"]]);
    // A NAK with OPT_NAK_LIST (its options' third byte is not zeroed by OpenPGM).
    const nak = unhex(
      "17dfa69b0803825022ee27b0e5740000000000a7000100000ad5070100010000efc00107000400188214ff00000000a8000000a9000000aa000000ab",
    );
    const up = { sport: 6111, dport: 0xa69b, gsi: unhex("22ee27b0e574") };
    assert.deepEqual(parsePacket(nak), {
      ...up,
      type: NAK,
      sqns: [0xa7, 0xa8, 0xa9, 0xaa, 0xab],
      sourceNla: "10.213.7.1",
      groupNla: "239.192.1.7",
    });
    const ours = encodeNak(up, NAK, [0xa7, 0xa8, 0xa9, 0xaa, 0xab], "10.213.7.1", "239.192.1.7");
    // The same but for that byte, and so the checksum.
    const theirs = nak.slice();
    theirs[42] = 0;
    for (const p of [theirs, ours]) p[6] = p[7] = 0;
    assert.equal(hex(ours), hex(theirs));
  });

  test("each packet type round-trips through its encoder and the parser", () => {
    const c = { sport: 1, dport: PORT, gsi: GSI };
    const spm = parsePacket(encodeSpm(c, 7, 3, 9, NLA, true));
    assert.deepEqual(spm, { ...c, type: SPM, sqn: 7, trail: 3, lead: 9, nla: NLA, fin: true });
    const frag = { first: 10, offset: 1000, length: 3000 };
    const data = parsePacket(encodeData(c, ODATA, 11, 2, b("abc"), frag)) as Packet & { data: Uint8Array };
    assert.equal(data.type, ODATA);
    assert.deepEqual(data.fragment, frag);
    assert.equal(dec.decode(data.data), "abc");
    const sqns = Array.from({ length: 63 }, (_, i) => 100 + i);
    const nak = parsePacket(encodeNak(c, NAK, sqns, NLA, GROUP));
    assert.deepEqual(nak, { ...c, type: NAK, sqns, sourceNla: NLA, groupNla: GROUP });
  });

  test("malformed packets come back as reasons, never as throws", () => {
    const c = { sport: 1, dport: PORT, gsi: GSI };
    const good = encodeData(c, ODATA, 1, 0, b("hello world"));
    const bad = good.slice();
    bad[bad.length - 1] ^= 1;
    assert.equal(parsePacket(bad), "bad checksum");
    const noSum = good.slice();
    noSum[6] = noSum[7] = 0;
    assert.equal(parsePacket(noSum), "data without a checksum");
    assert.match(parsePacket(good.subarray(0, 10)) as string, /shorter than a PGM header/);
    // An absurd TSDU length, resealed so that only the length is wrong.
    const long = good.slice();
    long[14] = 0xff;
    long[6] = long[7] = 0;
    const sum = checksum(long);
    long[6] = sum >> 8;
    long[7] = sum & 0xff;
    assert.match(parsePacket(long) as string, /TSDU length/);
    // Random bytes and random corruptions of good packets (deterministic).
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const samples = [good, encodeSpm(c, 1, 0, 0, NLA), encodeNak(c, NAK, [1, 2, 3], NLA, GROUP)];
    for (let i = 0; i < 3000; i++) {
      const base = samples[i % samples.length].slice();
      const pkt = i % 2 === 0
        ? Uint8Array.from({ length: Math.floor(rnd() * 80) }, () => Math.floor(rnd() * 256))
        : base;
      for (let k = 0; k < 3; k++) pkt[Math.floor(rnd() * pkt.length)] = Math.floor(rnd() * 256);
      if (i % 4 === 1) {
        // Resealed, so that the parser looks past the checksum.
        pkt[6] = pkt[7] = 0;
        const s = checksum(pkt);
        pkt[6] = s >> 8;
        pkt[7] = s & 0xff;
      }
      const r = parsePacket(pkt);
      assert.ok(typeof r === "string" || typeof r === "object");
    }
  });
});

describe("epgm: libzmq's framing inside APDUs", () => {
  const msgs = [[b("a"), b("bc")], [new Uint8Array(300).fill(5)], [b(""), b("x")], [new Uint8Array(5000).fill(9)]];

  test("messages cut into APDUs come back whole, whatever the APDU size", () => {
    for (const size of [3, 4, 7, 64, 1448]) {
      const apdus = packMessages(msgs, size);
      assert.ok(apdus.every((a) => a.length <= size));
      const out: Uint8Array[][] = [];
      const d = new ApduDecoder();
      for (const a of apdus) d.push(a, (m) => out.push(m));
      assert.deepEqual(out.map((m) => m.map(hex)), msgs.map((m) => m.map(hex)), `APDU size ${size}`);
    }
  });

  test("a receiver joining mid-stream starts at the next message start; a reset waits for one again", () => {
    const apdus = packMessages(msgs, 64);
    // The APDUs inside the 300-byte frame start no message.
    assert.ok(apdus.some((a) => ((a[0] << 8) | a[1]) === NO_START));
    const out: string[] = [];
    const d = new ApduDecoder();
    const i = apdus.findIndex((a) => ((a[0] << 8) | a[1]) === NO_START);
    for (const a of apdus.slice(i)) d.push(a, (m) => out.push(m.map(hex).join("|")));
    assert.deepEqual(out, msgs.slice(2).map((m) => m.map(hex).join("|")));
    d.reset();
    assert.equal(d.joined, false);
  });

  test("a frame larger than maxMessageSize is refused and the stream resynchronises", () => {
    const d = new ApduDecoder(100);
    const out: Uint8Array[][] = [];
    const apdus = packMessages([[new Uint8Array(300)], [b("ok")]], 1448);
    assert.throws(() => d.push(apdus[0], (m) => out.push(m)), /maxMessageSize/);
    assert.equal(d.joined, false);
    d.push(packMessages([[b("next")]], 1448)[0], (m) => out.push(m));
    assert.deepEqual(out.map((m) => dec.decode(m[0])), ["next"]);
  });
});

describe("epgm: sender and receiver on a test clock", () => {
  const apdu = (i: number) => b(`apdu ${i}`);

  test("every APDU arrives in order through NAK, NCF and RDATA when every 7th packet is lost", () => {
    const net = network((p, n) => p.type === ODATA && n % 7 === 3);
    for (let i = 0; i < 200; i++) net.sender.send(apdu(i));
    net.flush();
    run(net, () => net.apdus.length === 200);
    assert.deepEqual(net.apdus.map((a) => dec.decode(a)), Array.from({ length: 200 }, (_, i) => `apdu ${i}`));
    const r = net.receiver.stats;
    assert.ok(r.repaired > 0 && r.naks > 0 && net.sender.stats.rdata >= r.repaired, JSON.stringify(r));
    assert.equal(r.lost, 0);
    assert.equal(net.losses, 0);
  });

  test("a lost tail is found through the SPM heartbeat", () => {
    const net = network((p) => p.type === ODATA && (p as { sqn: number }).sqn === 9);
    for (let i = 0; i < 10; i++) net.sender.send(apdu(i));
    net.flush();
    assert.equal(net.apdus.length, 9);
    run(net, () => net.apdus.length === 10);
    assert.equal(dec.decode(net.apdus[9]), "apdu 9");
  });

  test("a repair that is lost too is asked for again", () => {
    let rdataLost = 0;
    const net = network((p) => {
      if (p.type === ODATA && (p as { sqn: number }).sqn === 2) return true;
      return p.type === 5 && rdataLost++ < 2;
    });
    for (let i = 0; i < 5; i++) net.sender.send(apdu(i));
    net.flush();
    run(net, () => net.apdus.length === 5);
    assert.equal(net.apdus.length, 5);
    assert.ok(net.receiver.stats.naks >= 3);
  });

  test("data the trailing edge has passed is reported lost, and what follows still arrives", () => {
    // A window of 2 packets (rate × interval / TPDU), and the NAKs never reach the source.
    const net = network((p) => p.type === ODATA && (p as { sqn: number }).sqn === 1, {
      rate: 8 * 1500,
      recoveryInterval: 2,
    });
    assert.equal(net.sender.windowSqns, 2);
    for (let i = 0; i < 6; i++) net.sender.send(apdu(i));
    net.flush();
    assert.equal(net.losses, 1);
    assert.deepEqual(net.apdus.map((a) => dec.decode(a)), ["apdu 0", "apdu 2", "apdu 3", "apdu 4", "apdu 5"]);
    assert.equal(net.receiver.stats.lost, 1);
  });

  test("an APDU larger than one TPDU goes as OPT_FRAGMENTs, reassembled, a lost fragment repaired", () => {
    const net = network((p, n) => p.type === ODATA && n === 4);
    const big = Uint8Array.from({ length: 10000 }, (_, i) => i % 251);
    net.sender.send(b("before"));
    net.sender.send(big);
    net.sender.send(b("after"));
    net.flush();
    run(net, () => net.apdus.length === 3);
    assert.equal(net.apdus.length, 3);
    assert.equal(hex(net.apdus[1]), hex(big));
    assert.equal(dec.decode(net.apdus[2]), "after");
    assert.ok(net.sender.stats.odata > 8);
  });

  test("a late joiner starts at the first packet it sees", () => {
    const net = network((_p, n) => n < 6);
    for (let i = 0; i < 10; i++) net.sender.send(apdu(i));
    net.flush();
    run(net, () => false, 500);
    // The SPM at start was the first packet, then 5 ODATA went missing: its window starts at the next.
    assert.deepEqual(net.apdus.map((a) => dec.decode(a)), [5, 6, 7, 8, 9].map((i) => `apdu ${i}`));
    assert.equal(net.receiver.stats.naks, 0);
  });

  test("forged and flooding NAKs are dropped or answered once each; the sender goes on", () => {
    const net = network(() => false);
    for (let i = 0; i < 5; i++) net.sender.send(apdu(i));
    net.flush();
    const up = { sport: PORT, dport: 4242, gsi: GSI };
    const s = net.sender;
    s.onPacket(parsePacket(encodeNak({ ...up, gsi: Uint8Array.of(9, 9, 9, 9, 9, 9) }, NAK, [1], NLA, GROUP)) as Packet);
    s.onPacket(parsePacket(encodeNak({ ...up, dport: 1 }, NAK, [1], NLA, GROUP)) as Packet);
    s.onPacket(parsePacket(encodeNak(up, NAK, [1], "10.9.9.9", GROUP)) as Packet);
    assert.equal(s.stats.dropped, 3);
    assert.equal(s.stats.rdata, 0);
    // A flood for one packet, and for packets never sent: one repair.
    for (let i = 0; i < 1000; i++) s.onPacket(parsePacket(encodeNak(up, NAK, [2, 1000 + i], NLA, GROUP)) as Packet);
    net.flush();
    assert.equal(s.stats.rdata, 1);
    assert.equal(s.stats.nakMisses, 1000);
    assert.equal(s.stats.nakHeld, 999);
    s.send(apdu(5));
    net.flush();
    assert.equal(net.apdus.length, 6);
  });

  test("an NCF for a packet not yet NAKed holds back our NAK (suppression)", () => {
    const net = network((p) => p.type === ODATA && (p as { sqn: number }).sqn === 1);
    for (let i = 0; i < 3; i++) net.sender.send(apdu(i));
    net.flush();
    // Another receiver's NAK was confirmed before our back-off ended.
    net.receiver.onPacket(
      parsePacket(encodeNak({ sport: 4242, dport: PORT, gsi: GSI }, NCF, [1], NLA, GROUP)) as Packet,
    );
    net.clock.advance(100);
    assert.equal(net.receiver.stats.naks, 0);
    run(net, () => net.apdus.length === 3);
    assert.equal(net.apdus.length, 3);
  });
});

// ---------------------------------------------------------------------------
// Our sockets over the loopback interface.

let portSeq = 0;
const uniq = process.pid % 200;
function endpoint(iface = "127.0.0.1"): string {
  portSeq++;
  return `epgm://${iface};239.192.${uniq}.${portSeq}:${21000 + uniq * 20 + portSeq}`;
}

async function waitUntil(what: string, cond: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function statsOf(ep: string, role: "sender" | "receiver"): SenderStats & ReceiverStats & { malformed: number } {
  const s = epgmStatistics().find((x) => x.endpoint === ep && x.role === role);
  assert.ok(s, `no ${role} on ${ep}`);
  return { ...(s.pgm as SenderStats & ReceiverStats), malformed: s.malformed };
}

// Publishes `probe` until the subscriber has one, so that it is surely joined.
async function joined(pub: Publisher | XPublisher, sub: Subscriber | XSubscriber): Promise<void> {
  const end = Date.now() + 10000;
  for (;;) {
    await pub.send(["probe"]);
    try {
      const m = await sub.receive({ signal: AbortSignal.timeout(50) });
      if (dec.decode(m[0]) === "probe") break;
    } catch { /* not yet */ }
    if (Date.now() > end) throw new Error("the subscriber never joined");
  }
}

async function receiveUntil(sub: Subscriber | XSubscriber, last: string): Promise<Uint8Array[][]> {
  const out: Uint8Array[][] = [];
  for (let i = 0; i < 10000; i++) {
    const m = await sub.receive();
    if (dec.decode(m[0]) === "probe") continue;
    out.push(m);
    if (dec.decode(m[0]) === last) return out;
  }
  throw new Error("no end");
}

const BIG = Uint8Array.from({ length: 100000 }, (_, i) => i % 251);

describe("epgm: our PUB and SUB over loopback multicast", () => {
  after(() => setEpgmFaults(null));

  test("multipart and large messages, in order, with subscription filtering on the receiver", async () => {
    const ep = endpoint();
    const sub = new Subscriber({ receiveTimeout: 5000 });
    const pub = new Publisher({ rate: 100000 });
    try {
      sub.subscribe("probe", "topic", "big", "end");
      await sub.connect(ep);
      await pub.bind(ep);
      await joined(pub, sub);
      for (let i = 0; i < 50; i++) {
        await pub.send(["other", String(i)]);
        await pub.send(["topic", String(i)]);
      }
      await pub.send(["big", BIG]);
      await pub.send(["end"]);
      const got = await receiveUntil(sub, "end");
      assert.equal(got.length, 52);
      for (let i = 0; i < 50; i++) assert.deepEqual(got[i].map((f) => dec.decode(f)), ["topic", String(i)]);
      assert.equal(hex(got[50][1]), hex(BIG));
    } finally {
      pub.close();
      sub.close();
    }
  });

  // libzmq filters on SUB only (options.filter): an XSUB gets everything, over epgm too.
  test("XPUB and XSUB: the XPUB sends every message (no subscription travels), the XSUB takes all", async () => {
    const ep = endpoint();
    const xsub = new XSubscriber({ receiveTimeout: 5000 });
    const xpub = new XPublisher({ rate: 100000, receiveTimeout: 0 });
    try {
      await xsub.connect(ep);
      await xsub.send([Uint8Array.of(1, ...b("probe"))]);
      await xsub.send([Uint8Array.of(1, ...b("a"))]);
      await xpub.connect(ep);
      await joined(xpub, xsub);
      await xpub.send(["b", "1"]);
      await xpub.send(["a", "2"]);
      await xpub.send(["end"]);
      const got = await receiveUntil(xsub, "end");
      assert.deepEqual(got.map((m) => m.map((f) => dec.decode(f)).join(" ")), ["b 1", "a 2", "end"]);
      // libzmq's XPUB sees no subscription from an epgm endpoint either.
      await assert.rejects(xpub.receive(), { code: "EAGAIN" });
    } finally {
      xpub.close();
      xsub.close();
    }
  });

  test("with every 10th ODATA lost, every message still arrives in order (NAK, RDATA)", async () => {
    const ep = endpoint();
    const sub = new Subscriber({ receiveTimeout: 10000, rate: 100000 });
    const pub = new Publisher({ rate: 100000 });
    try {
      sub.subscribe("");
      await sub.connect(ep);
      await pub.connect(ep);
      await joined(pub, sub);
      let n = 0;
      setEpgmFaults({ outgoing: (d) => d[4] === ODATA && ++n % 10 === 0 });
      for (let i = 0; i < 200; i++) await pub.send(["m", String(i)]);
      await pub.send(["big", BIG]);
      await pub.send(["end"]);
      const got = await receiveUntil(sub, "end");
      setEpgmFaults(null);
      assert.equal(got.length, 202, JSON.stringify(epgmStatistics()));
      assert.deepEqual(
        got.slice(0, 200).map((m) => dec.decode(m[1])),
        Array.from({ length: 200 }, (_, i) => String(i)),
      );
      assert.equal(hex(got[200][1]), hex(BIG));
      const r = statsOf(ep, "receiver");
      assert.ok(r.repaired > 0, JSON.stringify(r));
      assert.equal(r.lost, 0);
      console.log(`# epgm ours→ours: ${n} ODATA sent, ${r.repaired} repaired, ${r.naks} NAKs`);
    } finally {
      setEpgmFaults(null);
      pub.close();
      sub.close();
    }
  });

  test("what is sent right after connect() goes out, and close() lingers until the rate let it all out", async () => {
    const ep = endpoint();
    const sub = new Subscriber({ receiveTimeout: 10000 });
    const pub = new Publisher({ linger: 10000 });
    try {
      sub.subscribe("");
      await sub.connect(ep);
      await waitUntil("the receiver open", () => epgmStatistics().some((s) => s.endpoint === ep));
      // Before the engine exists (libzmq's pipe subscribes to all at connect), then at the default rate.
      await pub.connect(ep);
      await pub.send(["early", new Uint8Array(20000).fill(1)]);
      pub.close();
      const m = await sub.receive();
      assert.equal(dec.decode(m[0]), "early");
      assert.equal(m[1].length, 20000);
    } finally {
      pub.close();
      sub.close();
    }
  });

  test("a late joiner receives whole messages from where it joined on", async () => {
    const ep = endpoint();
    const pub = new Publisher({ rate: 100000 });
    const early = new Subscriber({ receiveTimeout: 5000 });
    const late = new Subscriber({ receiveTimeout: 5000 });
    try {
      early.subscribe("");
      late.subscribe("");
      await early.connect(ep);
      await pub.connect(ep);
      await joined(pub, early);
      // Messages of 3 APDUs each: a join mid-message skips to the next start.
      const msg = (i: number) => ["n", String(i), new Uint8Array(3000).fill(i % 256)];
      for (let i = 0; i < 20; i++) await pub.send(msg(i));
      // Gone out (the early one has them) before the late one joins.
      await pub.send(["mark"]);
      await receiveUntil(early, "mark");
      await late.connect(ep);
      let first = -1;
      for (let i = 20; first < 0 && i < 2000; i++) {
        await pub.send(msg(i));
        try {
          const m = await late.receive({ signal: AbortSignal.timeout(20) });
          if (dec.decode(m[0]) === "n") first = Number(dec.decode(m[1]));
        } catch { /* not joined yet */ }
      }
      assert.ok(first >= 20, `first ${first}`);
      await pub.send(["end"]);
      const rest = await receiveUntil(late, "end");
      const nums = rest.slice(0, -1).map((m) => Number(dec.decode(m[1])));
      assert.deepEqual(nums, nums.map((_, k) => first + 1 + k));
      assert.ok(rest.slice(0, -1).every((m) => m[2].length === 3000));
    } finally {
      pub.close();
      early.close();
      late.close();
    }
  });

  test("garbage and forged datagrams are dropped and counted; the session goes on", async () => {
    const ep = endpoint();
    const [, group, port] = /;([\d.]+):(\d+)$/.exec(ep)!;
    const sub = new Subscriber({ receiveTimeout: 5000 });
    const pub = new Publisher({ rate: 100000 });
    const raw = createSocket({ type: "udp4", reuseAddr: true });
    try {
      sub.subscribe("");
      await sub.connect(ep);
      await pub.connect(ep);
      await joined(pub, sub);
      await new Promise<void>((r) => raw.bind(0, "127.0.0.1", r));
      raw.setMulticastInterface("127.0.0.1");
      const send = (d: Uint8Array) => new Promise<void>((r) => raw.send(d, Number(port), group, () => r()));
      const c = { sport: 999, dport: Number(port), gsi: GSI };
      const good = encodeData(c, ODATA, 0, 0, packMessages([[b("forged")]], 1448)[0]);
      const badSum = good.slice();
      badSum[20] ^= 0xff;
      await send(badSum);
      await send(Uint8Array.of(1, 2, 3));
      await send(new Uint8Array(2000).fill(0xff));
      // A source that lies about its frames: a frame size past any limit.
      await send(
        encodeData({ ...c, sport: 998 }, ODATA, 0, 0, Uint8Array.of(0, 0, 0xff, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0)),
      );
      // NAKs for another TSI, and a flood for one that is not there.
      for (let i = 0; i < 200; i++) {
        await send(encodeNak({ sport: Number(port), dport: 1, gsi: GSI }, NAK, [i], NLA, group));
      }
      await waitUntil("the drops counted", () => statsOf(ep, "receiver").malformed >= 4).catch((e) => {
        throw new Error(`${e.message}: ${JSON.stringify(epgmStatistics())}`);
      });
      await pub.send(["still", "here"]);
      for (;;) {
        const m = await sub.receive();
        const t = dec.decode(m[0]);
        if (t === "probe" || t === "forged") continue;
        assert.deepEqual(m.map((f) => dec.decode(f)), ["still", "here"]);
        break;
      }
      // The NAKs for another TSI reached the source (sent to the group) and went nowhere.
      await waitUntil("the forged NAKs dropped", () => statsOf(ep, "sender").dropped >= 200);
      assert.equal(statsOf(ep, "sender").rdata, 0);
    } finally {
      raw.close();
      pub.close();
      sub.close();
    }
  });

  test("pgm:// is refused with EPROTONOSUPPORT naming epgm://; other socket types cannot use epgm", async () => {
    const sub = new Subscriber();
    try {
      assert.throws(() => sub.connect("pgm://127.0.0.1;239.192.1.1:5555"), {
        code: "EPROTONOSUPPORT",
        message: /epgm:\/\//,
      });
      assert.throws(() => sub.connect("epgm://127.0.0.1;10.0.0.1:5555"), { code: "EINVAL" });
    } finally {
      sub.close();
    }
    const { Push } = await import("../mod.ts");
    const push = new Push();
    try {
      assert.throws(() => push.connect("epgm://127.0.0.1;239.192.1.1:5555"), { code: "ENOCOMPATPROTO" });
    } finally {
      push.close();
    }
  });
});

// ---------------------------------------------------------------------------
// libzmq (pyzmq) in a network namespace, joined to ours by a veth pair.

const PY = "/usr/bin/python3";
const PEER = join(ROOT, "tests", "interop", "epgm_peer.py");

function interopSkip(): string | false {
  if (process.platform !== "linux") return "needs Linux network namespaces";
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "needs root (ip netns)";
  const py = spawnSync(PY, ["-c", "import zmq,sys; sys.exit(0 if zmq.has('pgm') else 3)"]);
  if (py.status !== 0) return "needs python3-zmq with OpenPGM (apt-get install python3-zmq)";
  if (spawnSync("ip", ["-V"]).status !== 0) return "needs iproute2 (ip)";
  return false;
}

const SKIP = interopSkip();
const NS = `zmtp-epgm-${process.pid}`;
const VETH = `zep${process.pid % 100000}`;
const NET = `10.214.${process.pid % 250}`;
const OURS = `${NET}.1`;
const THEIRS = `${NET}.2`;

function ip(...args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
}

interface PyPeer {
  proc: ChildProcess;
  lines: string[];
  waitLine(pred: (l: string) => boolean, what: string): Promise<string>;
  write(line: string): void;
  stop(): Promise<void>;
}

function pyPeer(mode: "sub" | "pub", ep: string, rate: number): PyPeer {
  const proc = spawn("ip", ["netns", "exec", NS, PY, PEER, mode, ep, String(rate)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let stderr = "";
  proc.stderr!.on("data", (d) => stderr += String(d));
  createInterface({ input: proc.stdout! }).on("line", (l) => {
    lines.push(l);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((r) => proc.on("exit", () => r()));
  return {
    proc,
    lines,
    async waitLine(pred, what) {
      const end = Date.now() + 20000;
      for (;;) {
        const l = lines.find(pred);
        if (l !== undefined) return l;
        if (Date.now() > end || proc.exitCode !== null) {
          throw new Error(
            `libzmq peer: no ${what} after ${lines.length} lines, last ${lines.at(-1)?.slice(0, 80)} (stderr: ${
              stderr.replace(/Warn:[^\n]*\n/g, "").slice(-500)
            })`,
          );
        }
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    write(line) {
      proc.stdin!.write(line + "\n");
    },
    async stop() {
      proc.stdin!.end();
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

describe("epgm: interop with libzmq (pyzmq on OpenPGM)", { skip: SKIP }, () => {
  before(() => {
    ip("netns", "add", NS);
    ip("link", "add", `${VETH}a`, "type", "veth", "peer", "name", `${VETH}b`);
    ip("link", "set", `${VETH}b`, "netns", NS);
    ip("addr", "add", `${OURS}/24`, "dev", `${VETH}a`);
    ip("link", "set", `${VETH}a`, "up");
    ip("-n", NS, "addr", "add", `${THEIRS}/24`, "dev", `${VETH}b`);
    ip("-n", NS, "link", "set", `${VETH}b`, "up");
    ip("-n", NS, "link", "set", "lo", "up");
  });
  after(() => {
    setEpgmFaults(null);
    // Deleting the namespace deletes the pair.
    spawnSync("ip", ["netns", "del", NS]);
  });

  const RATE = 100000;
  const theirs = (ep: string) => ep.replace(/^epgm:\/\/[^;]+;/, `epgm://${THEIRS};`);

  for (const lossy of [false, true]) {
    const what = lossy ? ", every 10th ODATA lost and repaired" : "";
    test(`our PUB → libzmq SUB: multipart and large messages${what}`, async () => {
      const ep = endpoint(OURS);
      const peer = pyPeer("sub", theirs(ep), RATE);
      const pub = new Publisher({ rate: RATE });
      let n = 0;
      try {
        await peer.waitLine((l) => l === "ready", "ready");
        await pub.connect(ep);
        for (let i = 0; i < 400 && !peer.lines.includes("joined"); i++) {
          await pub.send(["probe"]);
          await new Promise((r) => setTimeout(r, 50));
        }
        await peer.waitLine((l) => l === "joined", "join");
        if (lossy) setEpgmFaults({ outgoing: (d) => d[4] === ODATA && ++n % 10 === 0 });
        for (let i = 0; i < 50; i++) {
          await pub.send(["other", String(i)]);
          await pub.send(["topic", String(i)]);
        }
        await pub.send(["big", BIG]);
        await pub.send(["end"]);
        await peer.waitLine((l) => l.startsWith(`["${hex(b("end"))}"`), "end");
        const got = peer.lines.filter((l) => l.startsWith("[")).map((l) => JSON.parse(l) as string[]);
        assert.equal(got.length, 102);
        for (let i = 0; i < 50; i++) {
          assert.deepEqual(got[2 * i], [hex(b("other")), hex(b(String(i)))]);
          assert.deepEqual(got[2 * i + 1], [hex(b("topic")), hex(b(String(i)))]);
        }
        assert.deepEqual(got[100], [hex(b("big")), hex(BIG)]);
        const s = statsOf(ep, "sender");
        if (lossy) {
          assert.ok(s.rdata > 0 && s.naks > 0, JSON.stringify(s));
          console.log(`# epgm ours→libzmq: ${n} ODATA, ${Math.floor(n / 10)} lost, ${s.naks} NAKs, ${s.rdata} RDATA`);
        }
      } finally {
        setEpgmFaults(null);
        pub.close();
        await peer.stop();
      }
    });

    test(`libzmq PUB → our SUB: late join, filtering, multipart and large messages${what}`, async () => {
      const ep = endpoint(OURS);
      const sub = new Subscriber({ receiveTimeout: 10000, rate: RATE });
      sub.subscribe("probe", "topic", "big", "end");
      await sub.connect(ep);
      const peer = pyPeer("pub", theirs(ep), RATE);
      let n = 0;
      try {
        // libzmq publishes probes already: ours joins a running stream.
        const first = await sub.receive();
        assert.equal(dec.decode(first[0]), "probe");
        if (lossy) setEpgmFaults({ incoming: (d) => d[4] === ODATA && ++n % 10 === 0 });
        peer.write("go");
        const got = await receiveUntil(sub, "end");
        assert.equal(got.length, 52);
        for (let i = 0; i < 50; i++) assert.deepEqual(got[i].map((f) => dec.decode(f)), ["topic", String(i)]);
        assert.equal(hex(got[50][1]), hex(BIG));
        const r = statsOf(ep, "receiver");
        assert.equal(r.lost, 0);
        if (lossy) {
          assert.ok(r.repaired > 0, JSON.stringify(r));
          console.log(
            `# epgm libzmq→ours: ${n} ODATA, ${Math.floor(n / 10)} lost, ${r.naks} NAKs, ${r.repaired} repaired`,
          );
        }
      } finally {
        setEpgmFaults(null);
        sub.close();
        await peer.stop();
      }
    });
  }
});
