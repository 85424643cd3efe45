// CURVE next to NULL, both ends in this process over tcp://127.0.0.1
// (so the figures include both sides' work): PUSH -> PULL throughput, the
// handshake rate (one at a time and 32 at once), the MESSAGE codec alone,
// and X25519 by @noble/curves against WebCrypto. About 15 s.
//
//   deno run -A bench/curve_bench.ts
//   bun bench/curve_bench.ts

import { x25519 } from "@noble/curves/ed25519.js";
import { curveKeyPair, Dealer, Pull, Push, Router, type SocketOptions } from "../mod.ts";
import { CurveCodec } from "../lib/zmtp/mechanisms/curve.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const runtime = g.Bun ? `Bun ${g.Bun.version}` : g.Deno ? `Deno ${g.Deno.version.deno}` : `Node ${g.process?.version}`;
const server = curveKeyPair();
const client = curveKeyPair();
const SECURITY: Record<string, { server: SocketOptions; client: SocketOptions }> = {
  NULL: { server: {}, client: {} },
  CURVE: {
    server: { curveServer: true, curveSecretKey: server.secretKey },
    client: { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey },
  },
};

const rows: string[][] = [];
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });

// Messages per second for `size`-byte messages: N sent and all N received,
// N sized from a short first run to take about `ms`. (Timing whole batches
// keeps it fair when one side starves the other in this single process.)
async function throughput(mech: string, size: number, ms: number): Promise<number> {
  const pull = new Pull({ linger: 0, ...SECURITY[mech].server });
  const push = new Push({ linger: 0, ...SECURITY[mech].client });
  try {
    await pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.lastEndpoint!);
    const body = new Uint8Array(size).fill(7);
    await push.send(body);
    await pull.receive(); // connected and handshaken
    const batch = async (n: number) => {
      const t0 = performance.now();
      const sender = (async () => {
        for (let i = 0; i < n; i++) await push.send(body);
      })();
      for (let i = 0; i < n; i++) await pull.receive();
      await sender;
      return n / ((performance.now() - t0) / 1000);
    };
    const first = await batch(500);
    return await batch(Math.max(500, Math.round(first * ms / 1000)));
  } finally {
    push.close();
    pull.close();
  }
}

// Handshakes per second: `parallel` DEALERs at a time connect to one ROUTER
// and each waits for its handshake; for about `ms`.
async function handshakes(mech: string, parallel: number, ms: number): Promise<number> {
  const router = new Router({ linger: 0, ...SECURITY[mech].server });
  await router.bind("tcp://127.0.0.1:*");
  const ep = router.lastEndpoint!;
  let done = 0;
  const t0 = performance.now();
  const one = async () => {
    while (performance.now() - t0 < ms) {
      const d = new Dealer({ linger: 0, ...SECURITY[mech].client });
      await new Promise<void>((resolve) => {
        d.events.on("handshake", () => resolve());
        d.connect(ep);
      });
      d.close();
      done++;
    }
  };
  await Promise.all(Array.from({ length: parallel }, one));
  const elapsed = performance.now() - t0;
  router.close();
  return done / (elapsed / 1000);
}

// The MESSAGE codec alone: seal on one side, open on the other.
function codec(size: number, ms: number): number {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const a = new CurveCodec(key, false, 1, 0);
  const b = new CurveCodec(key, true, 1, 0);
  const body = new Uint8Array(size);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 16; i++) b.decode(a.encode(0, body));
    n += 16;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function x25519Ms(): Promise<[number, number]> {
  const a = x25519.utils.randomSecretKey(), b = x25519.getPublicKey(x25519.utils.randomSecretKey());
  const N = 200;
  let t = performance.now();
  for (let i = 0; i < N; i++) x25519.getSharedSecret(a, b);
  const noble = (performance.now() - t) / N;
  let web = NaN;
  try {
    const alg = { name: "X25519" };
    const kp = await crypto.subtle.generateKey(alg, false, ["deriveBits"]) as CryptoKeyPair;
    t = performance.now();
    for (let i = 0; i < N; i++) {
      const pub = await crypto.subtle.importKey("raw", b, alg, false, []);
      await crypto.subtle.deriveBits({ name: "X25519", public: pub } as Algorithm, kp.privateKey, 256);
    }
    web = (performance.now() - t) / N;
  } catch { /* no WebCrypto X25519 here */ }
  return [noble, web];
}

for (const size of [64, 1024, 65536]) {
  const [nul, cur] = [await throughput("NULL", size, 1200), await throughput("CURVE", size, 1200)];
  rows.push([
    `PUSH->PULL ${size} B`,
    `${fmt(nul)} msg/s (${fmt(nul * size / 1e6, 1)} MB/s)`,
    `${fmt(cur)} msg/s (${fmt(cur * size / 1e6, 1)} MB/s)`,
    `${fmt(cur / nul * 100)} %`,
  ]);
}
for (const parallel of [1, 32]) {
  const [nul, cur] = [await handshakes("NULL", parallel, 1500), await handshakes("CURVE", parallel, 1500)];
  rows.push([`handshakes, ${parallel} at a time`, `${fmt(nul)} /s`, `${fmt(cur)} /s`, `${fmt(cur / nul * 100)} %`]);
}
for (const size of [64, 65536]) {
  const r = codec(size, 700);
  rows.push([`MESSAGE seal+open ${size} B`, "", `${fmt(r)} /s (${fmt(r * size / 1e6, 1)} MB/s)`, ""]);
}
const [noble, web] = await x25519Ms();
rows.push(["X25519 shared secret", "", `noble ${noble.toFixed(3)} ms, WebCrypto ${web.toFixed(3)} ms`, ""]);

const head = ["", "NULL", "CURVE", "CURVE/NULL"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(`CURVE vs NULL on ${runtime}, both ends in one process, tcp://127.0.0.1\n`);
console.log(line(head));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
