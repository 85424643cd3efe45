// CURVE next to NULL, both ends in this process over tcp://127.0.0.1
// (so the figures include both sides' work): PUSH -> PULL throughput, the
// handshake rate (one at a time and 32 at once), the MESSAGE codec alone,
// and X25519 by @noble/curves against WebCrypto. About 15 s.
//
//   deno run -A bench/curve_bench.ts
//   bun bench/curve_bench.ts
//
// The box micro-bench alone (about 10 s per runtime): our XSalsa20-Poly1305
// (lib/zmtp/mechanisms/salsa.ts) against @noble/ciphers', sealing and
// opening 66-byte boxes (a 64-byte CURVE MESSAGE: flags byte, body, and the
// nonce's last word) and 1 KiB ones, and the MESSAGE codec against the
// previous one (noble's salsa20 and poly1305 under the same cached subkey).
// Short timed rounds alternate between the variants and the best round
// counts, so that other load on the machine weighs as little as it can.
// `boxes-all` runs it on Deno, Bun and Node (bundled by esbuild into .tmp/)
// and prints them side by side.
//
//   deno run -A bench/curve_bench.ts boxes
//   deno run -A bench/curve_bench.ts boxes-all

import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, salsa20, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { poly1305 } from "@noble/ciphers/_poly1305.js";
import { curveKeyPair, Dealer, Pull, Push, Router, type SocketOptions } from "../mod.ts";
import { CurveCodec } from "../lib/zmtp/mechanisms/curve.ts";
import { open, seal, subkey } from "../lib/zmtp/mechanisms/salsa.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const runtime = g.Bun ? `Bun ${g.Bun.version}` : g.Deno ? `Deno ${g.Deno.version.deno}` : `Node ${g.process?.version}`;
const args: string[] = g.Deno?.args ?? g.process?.argv.slice(2) ?? [];
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

// -- the box micro-bench ------------------------------------------------------

// Operations per second of each variant: `rounds` rounds of ~`ms` each,
// alternating, best round.
function race(variants: Record<string, () => void>, rounds = 25, ms = 30): Record<string, number> {
  const best: Record<string, number> = {};
  for (const f of Object.values(variants)) for (let i = 0; i < 2000; i++) f(); // JIT warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of Object.entries(variants)) {
      let n = 0;
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < ms) {
        for (let i = 0; i < 32; i++) f();
        n += 32;
        t = performance.now();
      }
      best[name] = Math.max(best[name] ?? 0, n / ((t - t0) / 1000));
    }
  }
  return best;
}

const le32 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

// The MESSAGE codec as it was before salsa.ts: noble's salsa20 over
// [32 zeros | flags | body] under the cached subkey, then noble's poly1305.
function nobleCodec(key: Uint8Array) {
  const sigma = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  const words = (b: Uint8Array) => new Uint32Array(b.slice().buffer);
  const sub = new Uint32Array(8);
  hsalsa(sigma, words(key), words(new TextEncoder().encode("CurveZMQMESSAGEC")), sub);
  const k = new Uint8Array(sub.buffer);
  const nonce = new Uint8Array(8);
  const view = new DataView(nonce.buffer);
  let next = 1;
  return {
    encode(body: Uint8Array): Uint8Array {
      const out = new Uint8Array(33 + body.length);
      out.set(body, 33);
      view.setUint32(4, next++);
      salsa20(k, nonce, out, out);
      const tag = poly1305(out.subarray(32), out.subarray(0, 32));
      out.set(nonce, 8);
      out.set(tag, 16);
      return out;
    },
    decode(box: Uint8Array): Uint8Array {
      const ct = box.subarray(32);
      const out = new Uint8Array(box.length);
      out.set(ct, 32);
      salsa20(k, box.subarray(8, 16), out, out);
      const tag = poly1305(ct, out.subarray(0, 32));
      let d = 0;
      for (let i = 0; i < 16; i++) d |= tag[i] ^ box[16 + i];
      if (d !== 0) throw new Error("bad tag");
      return out.subarray(33);
    },
  };
}

type BoxRow = { what: string; ours: number; noble: number };

function boxes(): BoxRow[] {
  const rows: BoxRow[] = [];
  const key = crypto.getRandomValues(new Uint8Array(32));
  const nonce = crypto.getRandomValues(new Uint8Array(24));
  const k = subkey(key, nonce), n0 = le32(nonce, 16), n1 = le32(nonce, 20);
  for (const size of [66, 1024]) {
    const m = crypto.getRandomValues(new Uint8Array(size));
    const buf = new Uint8Array(16 + size);
    const nb = xsalsa20poly1305(key, nonce).encrypt(m);
    const sealed = nb.slice();
    const s = race({
      ours: () => {
        buf.set(m, 16);
        seal(k, n0, n1, buf, 16, size, buf, 0);
      },
      noble: () => xsalsa20poly1305(key, nonce).encrypt(m),
    });
    rows.push({ what: `seal ${size} B`, ours: s.ours, noble: s.noble });
    const o = race({
      ours: () => {
        buf.set(sealed);
        if (!open(k, n0, n1, buf, 16, size, buf, 0)) throw new Error("bad tag");
      },
      noble: () => xsalsa20poly1305(key, nonce).decrypt(nb),
    });
    rows.push({ what: `open ${size} B`, ours: o.ours, noble: o.noble });
  }
  for (const size of [64, 1024]) {
    const body = crypto.getRandomValues(new Uint8Array(size));
    const ck = crypto.getRandomValues(new Uint8Array(32));
    const a = new CurveCodec(ck, false, 1, 0), b = new CurveCodec(ck, true, 1, 0);
    const old = nobleCodec(ck);
    const r = race({
      ours: () => b.decode(a.encode(0, body)),
      noble: () => old.decode(old.encode(body)),
    });
    rows.push({ what: `MESSAGE ${size} B encode+decode`, ours: r.ours, noble: r.noble });
  }
  return rows;
}

async function boxesAll(): Promise<void> {
  const { spawnSync } = await import("node:child_process");
  const self = new URL(import.meta.url).pathname;
  const root = new URL("..", import.meta.url).pathname;
  const bundle = `${root}.tmp/curve-bench.mjs`;
  const esbuild = spawnSync(`${root}node_modules/.bin/esbuild`, [
    self,
    "--bundle",
    "--format=esm",
    "--platform=node",
    "--log-level=error",
    `--outfile=${bundle}`,
  ], { stdio: "inherit" });
  if (esbuild.status !== 0) throw new Error("esbuild failed");
  const runs: [string, string, string[]][] = [
    ["Deno", `${root}node_modules/.bin/deno`, ["run", "-A", self, "boxes", "--json"]],
    ["Bun", `${root}node_modules/.bin/bun`, [self, "boxes", "--json"]],
    ["Node", "node", [bundle, "boxes", "--json"]],
  ];
  const results: { runtime: string; rows: BoxRow[] }[] = [];
  for (const [, cmd, a] of runs) {
    const r = spawnSync(cmd, a, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}`);
    results.push(JSON.parse(r.stdout.trim().split("\n").at(-1)!));
  }
  const head = ["per second", ...results.flatMap((r) => [`${r.runtime} ours`, "noble", "×"])];
  const rows = results[0].rows.map((row, i) => [
    row.what,
    ...results.flatMap((
      r,
    ) => [fmt(r.rows[i].ours), fmt(r.rows[i].noble), (r.rows[i].ours / r.rows[i].noble).toFixed(2)]),
  ]);
  console.log(`XSalsa20-Poly1305 boxes and CURVE MESSAGEs per second, best of 25 alternating rounds\n`);
  console.log(table(head, rows));
}

if (args[0] === "boxes") {
  const rows = boxes();
  if (args.includes("--json")) console.log(JSON.stringify({ runtime, rows }));
  else {console.log(
      table(
        ["per second", "ours", "noble", "×"],
        rows.map((r) => [r.what, fmt(r.ours), fmt(r.noble), (r.ours / r.noble).toFixed(2)]),
      ),
    );}
} else if (args[0] === "boxes-all") {
  await boxesAll();
} else {
  await full();
}

// -- the whole-socket bench ---------------------------------------------------

async function full(): Promise<void> {
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
  console.log(`CURVE vs NULL on ${runtime}, both ends in one process, tcp://127.0.0.1\n`);
  console.log(table(["", "NULL", "CURVE", "CURVE/NULL"], rows));
}
