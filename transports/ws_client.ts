/**
 * The ws:// and wss:// client on Deno, Bun and Node: an RFC 6455 client over
 * node:net/node:tls (which all three have), with the standard WebSocket
 * event surface. The built-in WebSocket classes cannot offer libzmq's
 * "ZWS2.0/NULL" (a "/" is not an RFC 6455 token). Loaded with ws_server.ts,
 * never part of a browser bundle.
 *
 * @module
 */

import { createHash, randomBytes } from "node:crypto";
import type { WebSocketLike, WsTlsOptions } from "./websocket.ts";
import { MAX_PAYLOAD, pem } from "./ws_shared.ts";
import { unrefTimer } from "../lib/keepalive.ts";

function pemList(v: WsTlsOptions["ca"]): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map((c) => pem(c)!);
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const MAX_HEAD = 16384;

/**
 * An RFC 6455 client over node:net/node:tls (which Deno, Bun and Node all
 * have), with the standard WebSocket event surface. Unlike the built-in
 * WebSocket classes it can offer libzmq's "ZWS2.0/NULL" (a "/" is not an
 * RFC 6455 token, so they refuse it), ping and see pongs, and stop reading.
 */
class RawWebSocket implements WebSocketLike {
  binaryType = "arraybuffer";
  readyState = 0;
  protocol = "";
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  #sock: import("node:net").Socket;
  #key: string;
  #offered: readonly string[];
  #buf: Uint8Array = new Uint8Array(0);
  // A frame larger than what arrived: its chunks, joined once it is whole.
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #need = 0;
  #parts: Uint8Array[] = [];
  #partsOpcode = 0;
  #pong: (() => void)[] = [];
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #closeEvent: { code: number; reason: string } = { code: 1006, reason: "" };
  // Frames sent in one turn leave in one socket write, at its end.
  #out: Uint8Array[] = [];
  #outBytes = 0;
  #flushOut = () => this.#flush();

  constructor(
    netMod: typeof import("node:net"),
    tlsMod: typeof import("node:tls") | null,
    url: URL,
    offered: readonly string[],
    tls: WsTlsOptions | undefined,
  ) {
    this.#offered = offered;
    this.#key = randomBytes(16).toString("base64");
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port) || (url.protocol === "wss:" ? 443 : 80);
    const ca = pemList(tls?.ca);
    const sock = tlsMod !== null
      ? tlsMod.connect({
        host,
        port,
        ...(netMod.isIP(host) ? {} : { servername: host }),
        ...(ca ? { ca } : {}),
        rejectUnauthorized: tls?.rejectUnauthorized !== false,
      })
      : netMod.connect({ host, port });
    this.#sock = sock;
    // Neither an open connection nor an attempt keeps the process alive (lib/keepalive.ts).
    sock.unref();
    sock.setNoDelay(true);
    sock.on(tlsMod !== null ? "secureConnect" : "connect", () => {
      sock.write(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${this.#key}\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Protocol: ${offered.join(", ")}\r\n\r\n`,
      );
    });
    sock.on("data", (d: Uint8Array) => {
      try {
        this.#onData(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      } catch (e) {
        this.#fail((e as Error).message, 1002);
      }
    });
    sock.on("error", (e: Error) => {
      if (this.#closeEvent.reason === "") this.#closeEvent = { code: 1006, reason: e.message };
      this.onerror?.(e);
    });
    sock.on("close", () => this.#closed());
  }

  get bufferedAmount(): number {
    return this.#sock.writableLength + this.#outBytes;
  }

  /** Node-style listener for "pong", as the `ws` package has (see wireWebSocket). */
  on(event: string, fn: () => void): void {
    if (event === "pong") this.#pong.push(fn);
  }

  send(data: Uint8Array): void {
    if (this.readyState === 1) this.#frame(2, data);
  }

  ping(): void {
    if (this.readyState === 1) this.#frame(9, new Uint8Array(0));
  }

  pause(): void {
    this.#sock.pause();
  }

  resume(): void {
    this.#sock.resume();
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState >= 2) return;
    if (this.readyState === 0) {
      this.terminate();
      return;
    }
    this.readyState = 2;
    const r = new TextEncoder().encode(reason).subarray(0, 123);
    const body = new Uint8Array(2 + r.length);
    body[0] = code >> 8;
    body[1] = code & 0xff;
    body.set(r, 2);
    this.#frame(8, body);
    this.#closeEvent = { code, reason };
    // The server answers with its close and ends the TCP connection.
    this.#closeTimer = unrefTimer(setTimeout(() => this.terminate(), 3000));
  }

  terminate(): void {
    this.#out = [];
    this.#outBytes = 0;
    this.#sock.destroy();
  }

  // One masked frame (RFC 6455 §5.2, §5.3), queued for the turn's write.
  #frame(opcode: number, payload: Uint8Array): void {
    const n = payload.length;
    const head = n < 126 ? 6 : n < 65536 ? 8 : 14;
    const out = new Uint8Array(head + n);
    out[0] = 0x80 | opcode;
    if (n < 126) out[1] = 0x80 | n;
    else if (n < 65536) {
      out[1] = 0x80 | 126;
      out[2] = n >> 8;
      out[3] = n & 0xff;
    } else {
      out[1] = 0x80 | 127;
      new DataView(out.buffer).setBigUint64(2, BigInt(n));
    }
    const m0 = out[head - 4] = maskByte(), m1 = out[head - 3] = maskByte();
    const m2 = out[head - 2] = maskByte(), m3 = out[head - 1] = maskByte();
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      out[head + i] = payload[i] ^ m0;
      out[head + i + 1] = payload[i + 1] ^ m1;
      out[head + i + 2] = payload[i + 2] ^ m2;
      out[head + i + 3] = payload[i + 3] ^ m3;
    }
    for (; i < n; i++) out[head + i] = payload[i] ^ out[head - 4 + (i & 3)];
    if (this.#out.length === 0) queueMicrotask(this.#flushOut);
    this.#out.push(out);
    this.#outBytes += out.length;
    if (this.#outBytes >= OUT_BATCH) this.#flush();
  }

  #flush(): void {
    const out = this.#out;
    if (out.length === 0) return;
    this.#out = [];
    const total = this.#outBytes;
    this.#outBytes = 0;
    if (out.length === 1) {
      this.#sock.write(out[0]);
      return;
    }
    const one = new Uint8Array(total);
    let at = 0;
    for (const f of out) {
      one.set(f, at);
      at += f.length;
    }
    this.#sock.write(one);
  }

  #onData(chunk: Uint8Array): void {
    if (this.#need > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < this.#need) return;
      this.#buf = concat(...this.#pending);
      this.#pending = [];
      this.#pendingBytes = this.#need = 0;
    } else {
      this.#buf = this.#buf.length === 0 ? chunk : concat(this.#buf, chunk);
    }
    if (this.readyState === 0) {
      const b = this.#buf;
      let end = -1;
      for (let i = 3; i < b.length; i++) {
        if (b[i] === 10 && b[i - 1] === 13 && b[i - 2] === 10 && b[i - 3] === 13) {
          end = i - 3;
          break;
        }
      }
      if (end < 0) {
        if (b.length > MAX_HEAD) throw new Error("oversized HTTP response");
        return;
      }
      this.#handshake(new TextDecoder("latin1").decode(b.subarray(0, end)));
      this.#buf = b.subarray(end + 4);
      this.onopen?.({});
    }
    this.#frames();
  }

  #handshake(head: string): void {
    const lines = head.split("\r\n");
    const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0])?.[1];
    const h = new Map<string, string>();
    for (const l of lines.slice(1)) {
      const c = l.indexOf(":");
      if (c > 0) h.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
    }
    const accept = createHash("sha1").update(this.#key + GUID).digest("base64");
    const protocol = h.get("sec-websocket-protocol") ?? "";
    const problem = status !== "101"
      ? `HTTP ${lines[0].slice(9)}`
      : h.get("upgrade")?.toLowerCase() !== "websocket" || !/upgrade/i.test(h.get("connection") ?? "")
      ? "not a WebSocket upgrade"
      : h.get("sec-websocket-accept") !== accept
      ? "wrong Sec-WebSocket-Accept"
      : protocol !== "" && !this.#offered.includes(protocol)
      ? `unoffered subprotocol "${protocol}"`
      : h.has("sec-websocket-extensions")
      ? "unrequested extension"
      : "";
    if (problem !== "") throw new Error(problem);
    this.protocol = protocol;
    this.readyState = 1;
  }

  // Frames from the server: unmasked (RFC 6455 §5.1); fragments joined.
  #frames(): void {
    for (;;) {
      const b = this.#buf;
      if (b.length < 2 || this.readyState === 3) return;
      const fin = (b[0] & 0x80) !== 0, opcode = b[0] & 0x0f;
      if ((b[0] & 0x70) !== 0) throw new Error("reserved bits set");
      if ((b[1] & 0x80) !== 0) throw new Error("masked frame from the server");
      let len = b[1] & 0x7f, at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b[2] << 8 | b[3];
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        const big = new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0);
        if (big > BigInt(MAX_PAYLOAD)) {
          this.#fail("message too big", 1009);
          return;
        }
        len = Number(big);
        at = 10;
      }
      if (b.length < at + len) {
        this.#need = at + len;
        this.#pending = [b];
        this.#pendingBytes = b.length;
        this.#buf = new Uint8Array(0);
        return;
      }
      const payload = b.subarray(at, at + len);
      this.#buf = b.subarray(at + len);
      if (opcode >= 8) {
        if (!fin || len > 125) throw new Error("bad control frame");
        this.#control(opcode, payload);
        continue;
      }
      if (opcode === 0 ? this.#parts.length === 0 : this.#parts.length > 0 || (opcode !== 1 && opcode !== 2)) {
        throw new Error("bad data frame sequence");
      }
      if (opcode !== 0) this.#partsOpcode = opcode;
      if (fin && opcode !== 0) {
        this.#message(opcode, payload);
        continue;
      }
      this.#parts.push(payload.slice());
      if (this.#parts.reduce((n, p) => n + p.length, 0) > MAX_PAYLOAD) {
        this.#fail("message too big", 1009);
        return;
      }
      if (fin) {
        const whole = concat(...this.#parts);
        this.#parts = [];
        this.#message(this.#partsOpcode, whole);
      }
    }
  }

  #message(opcode: number, payload: Uint8Array): void {
    if (this.readyState !== 1) return;
    if (opcode === 1) {
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(payload);
      } catch {
        this.#fail("invalid UTF-8", 1007);
        return;
      }
      this.onmessage?.({ data: text });
    } else {
      this.onmessage?.({ data: payload });
    }
  }

  #control(opcode: number, payload: Uint8Array): void {
    if (opcode === 9) {
      if (this.readyState === 1) this.#frame(10, payload);
    } else if (opcode === 10) {
      for (const f of this.#pong) f();
    } else if (opcode === 8) {
      const code = payload.length >= 2 ? payload[0] << 8 | payload[1] : 1005;
      const reason = new TextDecoder().decode(payload.subarray(2));
      if (this.readyState === 1) {
        this.#frame(8, payload.subarray(0, 2));
        this.#closeEvent = { code, reason };
      }
      this.readyState = 2;
      this.#flush();
      this.#sock.end();
    } else {
      throw new Error(`unknown control opcode ${opcode}`);
    }
  }

  #fail(reason: string, code: number): void {
    if (this.readyState === 1) this.#frame(8, Uint8Array.of(code >> 8, code & 0xff));
    this.#closeEvent = { code: this.readyState === 0 ? 1006 : code, reason };
    this.readyState = 2;
    this.#flush();
    this.#sock.end();
    this.#closeTimer ??= unrefTimer(setTimeout(() => this.terminate(), 3000));
  }

  #closed(): void {
    clearTimeout(this.#closeTimer);
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.(this.#closeEvent);
  }
}

// A turn's frames are written at once, or sooner past this many bytes.
const OUT_BATCH = 262144;

// Masking keys (RFC 6455 §10.3: unpredictable) from a pool of random bytes
// refilled as it runs out: one getRandomValues() call per 4096 keys.
const maskPool = new Uint8Array(16384);
let maskAt = maskPool.length;
function maskByte(): number {
  if (maskAt === maskPool.length) {
    crypto.getRandomValues(maskPool);
    maskAt = 0;
  }
  return maskPool[maskAt++];
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Opens a client WebSocket on a server runtime. Offers every ZWS 2.0
 * subprotocol, so a server picks the one of its mechanism.
 *
 * @param url The ws:// or wss:// URL.
 * @param protocols The subprotocols to offer.
 * @param tls `ca` and `rejectUnauthorized` for wss://.
 * @returns A socket with the standard event surface, plus ping, pong events and pause.
 */
export async function openWebSocket(
  url: string,
  protocols: readonly string[],
  tls?: WsTlsOptions,
): Promise<WebSocketLike> {
  const u = new URL(url);
  const netMod = await import("node:net");
  const tlsMod = u.protocol === "wss:" ? await import("node:tls") : null;
  return new RawWebSocket(netMod, tlsMod, u, protocols, tls);
}
