/**
 * The `zmtp` CLI's commands over a {@link CliIo}: socket commands (pub, sub,
 * push, pull, req, rep, dealer, router, pair), proxy, keygen, monitor and
 * bench. `main()` returns the exit code: 0 done, 1 a usage error, 2 a
 * runtime or connection error, 130 interrupted (SIGINT).
 *
 * @module
 */

import {
  COMMANDS,
  type EndpointArg,
  endpointArgs,
  intOption,
  listOption,
  parseArgs,
  type Parsed,
  stringOption,
  UsageError,
} from "./args.ts";
import { encodeMessage, type FormatOptions, formatOptions, MessageDecoder } from "./formats.ts";
import type { CliIo } from "./io.ts";
import { version } from "../capability.ts";
import { newCert } from "../cert.ts";
import { ZmqError } from "../errors.ts";
import { type Event, Observer } from "../events.ts";
import { holdCount, unrefTimer } from "../keepalive.ts";
import { curveKeyPair, curvePublicKey } from "../security.ts";
import type { SocketBase } from "../socket_base.ts";
import { Dealer } from "../sockets/dealer.ts";
import { Pair } from "../sockets/pair.ts";
import { Publisher } from "../sockets/pub.ts";
import { Pull } from "../sockets/pull.ts";
import { Push } from "../sockets/push.ts";
import { Reply } from "../sockets/rep.ts";
import { Request } from "../sockets/req.ts";
import { Router } from "../sockets/router.ts";
import { Subscriber } from "../sockets/sub.ts";
import { XPublisher } from "../sockets/xpub.ts";
import { XSubscriber } from "../sockets/xsub.ts";
import { createAuthenticator } from "../zap.ts";
import { z85Decode } from "../z85.ts";

/** The exit codes. */
export const EXIT = { ok: 0, usage: 1, error: 2, interrupted: 130 } as const;

/** The program's name in messages. */
export const PROGRAM = "zmtp";

/** A failure at run time (exit 2): a bind, a connection, a timeout. */
export class CliError extends Error {
  /** @param message What went wrong, in a sentence. */
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

interface Receiver {
  receive(options?: { signal?: AbortSignal }): Promise<Uint8Array[]>;
}
interface Sender {
  send(message: Uint8Array[], options?: { signal?: AbortSignal }): Promise<void>;
}
type Sock = SocketBase & Partial<Receiver & Sender>;
type Ctor = new (options?: Record<string, unknown>) => SocketBase;

/** The socket types the CLI opens, by their lower-case ZMTP names. */
const CLASSES: Record<string, Ctor> = {
  pub: Publisher as unknown as Ctor,
  sub: Subscriber as unknown as Ctor,
  xpub: XPublisher as unknown as Ctor,
  xsub: XSubscriber as unknown as Ctor,
  push: Push as unknown as Ctor,
  pull: Pull as unknown as Ctor,
  req: Request as unknown as Ctor,
  rep: Reply as unknown as Ctor,
  dealer: Dealer as unknown as Ctor,
  router: Router as unknown as Ctor,
  pair: Pair as unknown as Ctor,
};
const HAS_ROUTING_ID = new Set(["req", "rep", "dealer", "router"]);

/** One run of a command: its IO, the Ctrl-C signal, the sockets to close at the end. */
class Run {
  readonly io: CliIo;
  readonly p: Parsed;
  readonly abort = new AbortController();
  readonly sockets: SocketBase[] = [];
  interrupted = false;

  constructor(io: CliIo, p: Parsed) {
    this.io = io;
    this.p = p;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  usage(message: string): UsageError {
    return new UsageError(message, this.p.command);
  }

  /** A socket of `type` with the command line's options, bound and connected. */
  async open(
    type: string,
    endpoints: EndpointArg[],
    extra: Record<string, unknown> = {},
    announce = true,
  ): Promise<Sock> {
    const p = this.p;
    const options: Record<string, unknown> = { linger: intOption(p, "linger", 2000, -1), ...security(p), ...extra };
    const timeout = intOption(p, "timeout", -1, -1);
    if (timeout >= 0 && !("receiveTimeout" in extra)) {
      const proto = CLASSES[type].prototype as Partial<Receiver & Sender>;
      if (typeof proto.receive === "function") options.receiveTimeout = timeout;
      if (typeof proto.send === "function") options.sendTimeout = timeout;
    }
    const id = stringOption(p, "routing-id");
    if (id !== undefined && HAS_ROUTING_ID.has(type)) options.routingId = id;
    let s: SocketBase;
    try {
      s = new CLASSES[type](options);
    } catch (e) {
      throw this.usage((e as Error).message);
    }
    this.sockets.push(s);
    if (announce) this.warnings(s);
    for (const { bind, endpoint } of endpoints) {
      try {
        if (bind) {
          await s.bind(endpoint);
          // A wildcard's actual address, for whoever connects (and the tests).
          if (announce && endpoint.includes("*")) await this.io.stderr(`${PROGRAM}: bound to ${s.lastEndpoint}\n`);
        } else s.connect(endpoint);
      } catch (e) {
        const what = bind ? "bind to" : "connect to";
        if (e instanceof TypeError || (e instanceof ZmqError && e.code === "EINVAL")) {
          throw this.usage(`Cannot ${what} '${endpoint}': ${(e as Error).message}`);
        }
        throw new CliError(`Cannot ${what} '${endpoint}': ${(e as Error).message}`);
      }
    }
    return s as Sock;
  }

  /**
   * Reports on stderr, once each, the failures a socket otherwise retries
   * silently: a refused or malformed handshake (wrong keys, credentials or
   * socket type).
   */
  warnings(s: SocketBase): void {
    const seen = new Set<string>();
    const events = new Observer(s);
    (async () => {
      for await (const e of events) {
        if (!e.type.startsWith("handshake:error") && e.type !== "accept:error") continue;
        const line = eventLine(e, false);
        if (seen.has(line)) continue;
        seen.add(line);
        await this.io.stderr(`${PROGRAM}: ${line}\n`);
      }
    })().catch(() => {});
  }

  /** The --bind and --connect endpoints; at least one. */
  endpoints(): EndpointArg[] {
    const out = [
      ...listOption(this.p, "bind").map((endpoint) => ({ bind: true, endpoint })),
      ...listOption(this.p, "connect").map((endpoint) => ({ bind: false, endpoint })),
    ];
    if (out.length === 0) throw this.usage(`'${this.p.command}' needs --bind or --connect ENDPOINT`);
    return out;
  }

  /**
   * Calls `fn` with each message read from stdin until it returns false,
   * stdin ends, or Ctrl-C.
   */
  async eachInput(input: FormatOptions, fn: (msg: Uint8Array[]) => Promise<boolean>, signal = this.signal) {
    const decoder = new MessageDecoder(input);
    const it = this.io.stdin()[Symbol.asyncIterator]();
    const aborted = new Promise<null>((resolve) => {
      if (signal.aborted) resolve(null);
      signal.addEventListener("abort", () => resolve(null), { once: true });
    });
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next === null) return;
      const msgs = next.done ? decoder.end() : decoder.push(next.value);
      for (const m of msgs) {
        if (signal.aborted || !await fn(m)) {
          await it.return?.();
          return;
        }
      }
      if (next.done) return;
    }
  }

  print(msg: Uint8Array[], output: FormatOptions): Promise<void> {
    return this.io.stdout(encodeMessage(msg, output));
  }
}

/** The CURVE and PLAIN options of a command line, as socket options. */
function security(p: Parsed): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const key = (name: string) => {
    const v = stringOption(p, name);
    if (v === undefined) return undefined;
    let ok = v.length === 40;
    try {
      if (ok) z85Decode(v);
    } catch {
      ok = false;
    }
    if (!ok) throw new UsageError(`Option '--${name}' must be a key of 40 Z85 characters`, p.command);
    return v;
  };
  const serverKey = key("curve-server-key");
  const publicKey = key("curve-public-key");
  const secretKey = key("curve-secret-key");
  const curveServer = p.options["curve-server"] === true;
  const plain = stringOption(p, "plain");
  const plainServer = p.options["plain-server"] === true;
  const curve = curveServer || serverKey !== undefined || publicKey !== undefined || secretKey !== undefined;
  if (curve && (plain !== undefined || plainServer)) {
    throw new UsageError("CURVE and PLAIN options do not go together", p.command);
  }
  if (curveServer) {
    if (secretKey === undefined) throw new UsageError("'--curve-server' needs '--curve-secret-key'", p.command);
    if (serverKey !== undefined) throw new UsageError("A CURVE server takes no '--curve-server-key'", p.command);
    o.curveServer = true;
    o.curveSecretKey = secretKey;
    o.curvePublicKey = publicKey ?? curvePublicKey(secretKey);
  } else if (curve) {
    if (serverKey === undefined) {
      throw new UsageError("A CURVE client needs '--curve-server-key' (or this side is '--curve-server')", p.command);
    }
    const pair = secretKey === undefined
      ? curveKeyPair()
      : { secretKey, publicKey: publicKey ?? curvePublicKey(secretKey) };
    o.curveServerKey = serverKey;
    o.curveSecretKey = pair.secretKey;
    o.curvePublicKey = pair.publicKey;
  }
  let credentials: [string, string] | undefined;
  if (plain !== undefined) {
    const i = plain.indexOf(":");
    if (i < 0) throw new UsageError("'--plain' takes USER:PASS", p.command);
    credentials = [plain.slice(0, i), plain.slice(i + 1)];
  }
  if (plainServer) {
    o.plainServer = true;
    if (credentials !== undefined) {
      o.authenticator = createAuthenticator({ plain: { [credentials[0]]: credentials[1] } });
    }
  } else if (credentials !== undefined) {
    o.plainUsername = credentials[0];
    o.plainPassword = credentials[1];
  }
  return o;
}

const errorText = (e: unknown) => e instanceof Error ? e.message : String(e);

/** Runs `fn`, turning an abort (Ctrl-C) into a normal end and a timeout into a CliError. */
async function guarded(run: Run, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (run.signal.aborted) return;
    if (e instanceof ZmqError && e.code === "EAGAIN" && run.p.options.timeout !== undefined) {
      throw new CliError(`Timed out after ${run.p.options.timeout} ms`);
    }
    throw e;
  }
}

// -- the socket commands -----------------------------------------------------------

async function sendOnly(run: Run, type: "push" | "pub"): Promise<void> {
  const { input } = formatOptions(run.p.options, run.p.command);
  const count = intOption(run.p, "count", Infinity, 1);
  const subscribers = intOption(run.p, "subscribers", 0, 0);
  const s = await run.open(subscribers > 0 ? "xpub" : type, run.endpoints());
  if (subscribers > 0) {
    // XPUB hands us the subscriptions: wait for enough, then keep draining them.
    let seen = 0;
    while (seen < subscribers) {
      const [sub] = await s.receive!({ signal: run.signal });
      if (sub?.[0] === 1) seen++;
    }
    (async () => {
      while (!s.closed) await s.receive!({ signal: run.signal });
    })().catch(() => {});
  }
  let sent = 0;
  await run.eachInput(input, async (msg) => {
    await s.send!(msg, { signal: run.signal });
    return ++sent < count;
  });
}

async function receiveOnly(run: Run, type: "pull" | "sub"): Promise<void> {
  const { output } = formatOptions(run.p.options, run.p.command);
  const count = intOption(run.p, "count", Infinity, 1);
  const s = await run.open(type, run.endpoints());
  if (type === "sub") {
    const topics = [...run.p.positionals, ...listOption(run.p, "subscribe")];
    const sub = s as unknown as Subscriber;
    if (topics.length === 0) sub.subscribe();
    else for (const t of topics) sub.subscribe(t);
  }
  for (let n = 0; n < count; n++) await run.print(await s.receive!({ signal: run.signal }), output);
}

async function request(run: Run): Promise<void> {
  const { input, output } = formatOptions(run.p.options, run.p.command);
  const count = intOption(run.p, "count", Infinity, 1);
  const s = await run.open("req", run.endpoints());
  let n = 0;
  await run.eachInput(input, async (msg) => {
    await s.send!(msg, { signal: run.signal });
    await run.print(await s.receive!({ signal: run.signal }), output);
    return ++n < count;
  });
}

async function reply(run: Run): Promise<void> {
  const { input, output } = formatOptions(run.p.options, run.p.command);
  const count = intOption(run.p, "count", Infinity, 1);
  const exec = stringOption(run.p, "exec");
  const s = await run.open("rep", run.endpoints());
  for (let n = 0; n < count; n++) {
    const req = await s.receive!({ signal: run.signal });
    let answer = req;
    if (exec !== undefined) {
      const r = await run.io.exec(exec, encodeMessage(req, output));
      if (r.code !== 0) {
        const why = r.code === null ? "was killed" : `exited ${r.code}`;
        await run.io.stderr(
          `${PROGRAM}: '${exec}' ${why}${
            r.stderr.length > 0 ? ": " + new TextDecoder().decode(r.stderr).trim() : ""
          }\n`,
        );
      }
      const d = new MessageDecoder(input);
      answer = [...d.push(r.stdout), ...d.end()][0] ?? [new Uint8Array(0)];
    }
    await s.send!(answer, { signal: run.signal });
  }
}

/** DEALER, ROUTER, PAIR: stdin goes out while what arrives is printed. */
async function bidirectional(run: Run, type: "dealer" | "router" | "pair"): Promise<void> {
  const { input, output } = formatOptions(run.p.options, run.p.command);
  const count = intOption(run.p, "count", Infinity, 1);
  const s = await run.open(type, run.endpoints());
  const done = new AbortController();
  const stop = () => done.abort();
  run.signal.addEventListener("abort", stop, { once: true });
  let failed: unknown = null;
  const sending = run.eachInput(input, async (msg) => {
    await s.send!(msg, { signal: done.signal });
    return true;
  }, done.signal).catch((e) => {
    if (!done.signal.aborted) {
      failed = e;
      done.abort();
    }
  });
  try {
    for (let n = 0; n < count; n++) await run.print(await s.receive!({ signal: done.signal }), output);
  } catch (e) {
    if (failed !== null) throw failed;
    if (!done.signal.aborted) throw e;
  } finally {
    done.abort();
    run.signal.removeEventListener("abort", stop);
    await sending;
  }
  if (failed !== null) throw failed;
}

// -- proxy -------------------------------------------------------------------------

const PARTNER: Record<string, string> = {
  router: "dealer",
  dealer: "router",
  xsub: "xpub",
  xpub: "xsub",
  pull: "push",
  push: "pull",
};
const PROXY_TYPES: Record<string, [string, string]> = {
  "router-dealer": ["router", "dealer"],
  queue: ["router", "dealer"],
  "xsub-xpub": ["xsub", "xpub"],
  forwarder: ["xsub", "xpub"],
  "pull-push": ["pull", "push"],
  streamer: ["pull", "push"],
};

/**
 * The two sides of `proxy FRONT BACK`: `[TYPE=][@|>]ENDPOINT[,...]`, the
 * types from the prefixes, else `--type`, else ROUTER/DEALER.
 *
 * @param p The parsed command line.
 * @returns The socket type and endpoints of each side.
 * @throws {UsageError} For unknown or mismatched types.
 */
export function proxySides(p: Parsed): { type: string; endpoints: EndpointArg[] }[] {
  const sides = p.positionals.map((arg) => {
    const m = /^([a-z]+)=(.*)$/i.exec(arg);
    const type = m?.[1].toLowerCase();
    if (type !== undefined && !(type in PARTNER)) {
      throw new UsageError(`Unknown proxy socket type '${type}' (router, dealer, xsub, xpub, pull, push)`, p.command);
    }
    const endpoints = endpointArgs(m === null ? arg : m[2], true);
    if (endpoints.length === 0) throw new UsageError(`No endpoint in '${arg}'`, p.command);
    return { type, endpoints };
  });
  const named = stringOption(p, "type");
  let pair: [string, string] | undefined;
  if (named !== undefined) {
    pair = PROXY_TYPES[named.toLowerCase().replace("/", "-")];
    if (pair === undefined) {
      throw new UsageError(
        `Unknown proxy type '${named}' (router-dealer, xsub-xpub, pull-push; queue, forwarder, streamer)`,
        p.command,
      );
    }
  }
  const [front, back] = sides;
  const frontType = front.type ?? (back.type !== undefined ? PARTNER[back.type] : pair?.[0] ?? "router");
  const backType = back.type ?? PARTNER[frontType];
  if (PARTNER[frontType] !== backType) {
    throw new UsageError(`A proxy cannot join ${frontType.toUpperCase()} and ${backType.toUpperCase()}`, p.command);
  }
  if (pair !== undefined && !(pair.includes(frontType) && pair.includes(backType))) {
    throw new UsageError(`The endpoint types ${frontType}/${backType} contradict --type ${named}`, p.command);
  }
  return [{ type: frontType, endpoints: front.endpoints }, { type: backType, endpoints: back.endpoints }];
}

async function proxy(run: Run): Promise<void> {
  const [f, b] = proxySides(run.p);
  const count = intOption(run.p, "count", Infinity, 1);
  const front = await run.open(f.type, f.endpoints);
  const back = await run.open(b.type, b.endpoints);
  const captureArg = stringOption(run.p, "capture");
  let capture: Sock | undefined;
  if (captureArg !== undefined) {
    // PUB by default, as libzmq's captures mostly are; `push=` for a capture that must not drop.
    const m = /^(pub|push)=(.*)$/i.exec(captureArg);
    const linger = intOption(run.p, "linger", 2000, -1);
    capture = (m?.[1].toLowerCase() === "push" ? new Push({ linger }) : new Publisher({ linger })) as Sock;
    run.sockets.push(capture);
    for (const { bind, endpoint } of endpointArgs(m === null ? captureArg : m[2], true)) {
      try {
        if (bind) {
          await capture.bind(endpoint);
          if (endpoint.includes("*")) await run.io.stderr(`${PROGRAM}: capture bound to ${capture.lastEndpoint}\n`);
        } else capture.connect(endpoint);
      } catch (e) {
        throw new CliError(`Cannot ${bind ? "bind" : "connect"} the capture socket to '${endpoint}': ${errorText(e)}`);
      }
    }
  }
  const done = new AbortController();
  run.signal.addEventListener("abort", () => done.abort(), { once: true });
  let forwarded = 0;
  const pump = async (from: Sock, to: Sock) => {
    if (from.receive === undefined || to.send === undefined) return;
    while (!done.signal.aborted) {
      const msg = await from.receive({ signal: done.signal });
      if (capture !== undefined) await capture.send!(msg);
      await to.send(msg, { signal: done.signal });
      if (++forwarded >= count) done.abort();
    }
  };
  const quiet = (e: unknown) => {
    if (!done.signal.aborted) {
      done.abort();
      throw e;
    }
  };
  await Promise.all([pump(front, back).catch(quiet), pump(back, front).catch(quiet)]);
}

// -- keygen ------------------------------------------------------------------------

async function keygen(run: Run): Promise<void> {
  const path = stringOption(run.p, "cert");
  let keys: { publicKey: string; secretKey: string };
  if (path !== undefined) {
    const cert = newCert();
    try {
      await run.io.saveCert(cert, path);
    } catch (e) {
      throw new CliError(`Cannot write the certificate '${path}': ${errorText(e)}`);
    }
    keys = { publicKey: cert.publicKey, secretKey: cert.secretKey! };
    await run.io.stderr(`${PROGRAM}: wrote ${path} and ${path}_secret\n`);
  } else keys = curveKeyPair();
  if (run.p.options.json === true) {
    await run.io.stdout(JSON.stringify({ public: keys.publicKey, secret: keys.secretKey }) + "\n");
  } else await run.io.stdout(`public ${keys.publicKey}\nsecret ${keys.secretKey}\n`);
}

// -- monitor -----------------------------------------------------------------------

/**
 * One socket event as the `monitor` command prints it.
 *
 * @param e The event.
 * @param json One JSON object instead of `TYPE ADDRESS [DETAIL]`.
 * @returns The line, without its newline.
 */
export function eventLine(e: Event, json: boolean): string {
  const o: Record<string, unknown> = { type: e.type };
  if ("address" in e && e.address !== undefined) o.address = e.address;
  if ("remoteAddress" in e && e.remoteAddress !== undefined) o.remoteAddress = e.remoteAddress;
  if ("interval" in e) o.interval = e.interval;
  if ("userId" in e && e.userId !== undefined) o.userId = e.userId;
  if ("properties" in e && e.properties !== undefined) {
    const t = e.properties.get("Socket-Type");
    if (t !== undefined) o.peerType = new TextDecoder().decode(t);
  }
  if ("error" in e && e.error !== undefined) {
    o.error = e.error.message;
    const code = (e.error as { code?: unknown }).code;
    if (typeof code === "string") o.code = code;
  }
  if (json) return JSON.stringify(o);
  const detail: string[] = [];
  if (o.peerType !== undefined) detail.push(`peer ${o.peerType}`);
  if (o.remoteAddress !== undefined) detail.push(`from ${o.remoteAddress}`);
  if (o.userId !== undefined) detail.push(`user ${o.userId}`);
  if (o.interval !== undefined) detail.push(`retry in ${o.interval} ms`);
  if (o.code !== undefined) detail.push(String(o.code));
  if (o.error !== undefined) detail.push(String(o.error));
  return [e.type, o.address, ...detail].filter((x) => x !== undefined).join(" ");
}

async function monitor(run: Run): Promise<void> {
  const type = (stringOption(run.p, "type") ?? "dealer").toLowerCase();
  if (!(type in CLASSES)) throw run.usage(`Unknown socket type '${type}'`);
  const count = intOption(run.p, "count", Infinity, 1);
  const timeout = intOption(run.p, "timeout", -1, -1);
  const json = run.p.options.json === true;
  // The socket is opened first, unbound, so that its observer misses nothing.
  const opened = await run.open(type, [], { linger: 0, receiveTimeout: -1 });
  const events = opened.events;
  for (const { bind, endpoint } of endpointArgs(run.p.positionals[0], false)) {
    try {
      if (bind) {
        await opened.bind(endpoint);
        if (endpoint.includes("*")) await run.io.stderr(`${PROGRAM}: bound to ${opened.lastEndpoint}\n`);
      } else opened.connect(endpoint);
    } catch (e) {
      throw new CliError(`Cannot ${bind ? "bind to" : "connect to"} '${endpoint}': ${errorText(e)}`);
    }
  }
  if (type === "sub") (opened as unknown as Subscriber).subscribe();
  let timedOut = false;
  const stop = () => events.close();
  run.signal.addEventListener("abort", stop, { once: true });
  try {
    for (let n = 0; n < count; n++) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (timeout >= 0) {
        timer = setTimeout(() => {
          timedOut = true;
          events.close();
        }, timeout);
      }
      let e: Event;
      try {
        e = await events.receive();
      } catch (err) {
        if (timedOut) throw new CliError(`No event for ${timeout} ms`);
        if (run.signal.aborted) return;
        throw err;
      } finally {
        clearTimeout(timer);
      }
      await run.io.stdout(eventLine(e, json) + "\n");
      if (e.type === "end") return;
    }
  } finally {
    run.signal.removeEventListener("abort", stop);
    events.close();
  }
}

// -- bench -------------------------------------------------------------------------

/** What bench measured. */
export interface BenchResult {
  throughput?: {
    messages: number;
    size: number;
    seconds: number;
    messagesPerSecond: number;
    megabitsPerSecond: number;
  };
  latency?: { roundtrips: number; meanUs: number; p50Us: number; p99Us: number };
  sent?: { messages: number; size: number; seconds: number; messagesPerSecond: number };
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function throughputOf(messages: number, size: number, ms: number): NonNullable<BenchResult["throughput"]> {
  const seconds = Math.max(ms, 1e-3) / 1000;
  return {
    messages,
    size,
    seconds: round(seconds, 3),
    messagesPerSecond: Math.round(messages / seconds),
    megabitsPerSecond: round((messages * size * 8) / seconds / 1e6),
  };
}

/**
 * The summary lines of a bench run.
 *
 * @param r What was measured.
 * @returns The text, one line per measurement.
 */
export function benchSummary(r: BenchResult): string {
  const lines: string[] = [];
  if (r.throughput !== undefined) {
    const t = r.throughput;
    lines.push(
      `throughput: ${t.messages} messages of ${t.size} B in ${t.seconds} s: ` +
        `${t.messagesPerSecond} msg/s, ${t.megabitsPerSecond} Mb/s`,
    );
  }
  if (r.sent !== undefined) {
    const t = r.sent;
    lines.push(`sent: ${t.messages} messages of ${t.size} B in ${t.seconds} s: ${t.messagesPerSecond} msg/s`);
  }
  if (r.latency !== undefined) {
    const l = r.latency;
    lines.push(`latency: ${l.roundtrips} round trips: mean ${l.meanUs} us, p50 ${l.p50Us} us, p99 ${l.p99Us} us`);
  }
  return lines.join("\n") + "\n";
}

/** A progress line on a terminal: redrawn a few times a second, erased at the end. */
class Progress {
  #run: Run;
  #timer: ReturnType<typeof setInterval> | undefined;
  done = 0;

  constructor(run: Run, label: string, total: number) {
    this.#run = run;
    if (!run.io.stdoutIsTty) return;
    const t0 = performance.now();
    this.#timer = unrefTimer(setInterval(() => {
      const rate = Math.round(this.done / Math.max((performance.now() - t0) / 1000, 1e-3));
      run.io.stdout(`\r\x1b[K${label}: ${this.done}/${total} messages, ${rate} msg/s`).catch(() => {});
    }, 250));
  }

  async end(): Promise<void> {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#run.io.stdout("\r\x1b[K");
  }
}

async function throughputRun(run: Run, pull: Sock, push: Sock | null, count: number, size: number) {
  const payload = new Uint8Array(size).fill(0x61);
  const progress = new Progress(run, "throughput", count);
  let sending: Promise<void> = Promise.resolve();
  if (push !== null) {
    sending = (async () => {
      for (let i = 0; i < count; i++) await push.send!([payload], { signal: run.signal });
    })();
    sending.catch(() => {});
  }
  try {
    await pull.receive!({ signal: run.signal });
    const t0 = performance.now();
    progress.done = 1;
    for (let i = 1; i < count; i++) {
      await pull.receive!({ signal: run.signal });
      progress.done++;
    }
    const ms = performance.now() - t0;
    await sending;
    // The first message started the clock, so count-1 intervals were timed.
    return throughputOf(Math.max(count - 1, 1), size, ms);
  } finally {
    await progress.end();
  }
}

async function bench(run: Run): Promise<void> {
  const p = run.p;
  const size = intOption(p, "size", 100, 0);
  const count = intOption(p, "count", 100000, 2);
  const roundtrips = intOption(p, "roundtrips", 2000, 1);
  const pushTo = stringOption(p, "push");
  const pullAt = stringOption(p, "pull");
  const result: BenchResult = {};
  if (pushTo !== undefined && pullAt !== undefined) throw run.usage("Give '--push' or '--pull', not both");
  if (pullAt !== undefined) {
    const pull = await run.open("pull", endpointArgs(pullAt, true), { linger: 0 });
    result.throughput = await throughputRun(run, pull, null, count, size);
  } else if (pushTo !== undefined) {
    const push = await run.open("push", endpointArgs(pushTo, false), { linger: 5000 });
    const payload = new Uint8Array(size).fill(0x61);
    const progress = new Progress(run, "sent", count);
    const t0 = performance.now();
    try {
      for (let i = 0; i < count; i++) {
        await push.send!([payload], { signal: run.signal });
        progress.done++;
      }
    } finally {
      await progress.end();
    }
    const t = throughputOf(count, size, performance.now() - t0);
    result.sent = { messages: t.messages, size, seconds: t.seconds, messagesPerSecond: t.messagesPerSecond };
  } else {
    if (Object.keys(security(p)).length > 0) throw run.usage("Security options apply with '--push' or '--pull'");
    const transport = stringOption(p, "transport") ?? "tcp";
    const address = (name: string) => {
      if (transport === "tcp") return "tcp://127.0.0.1:*";
      if (transport === "ipc") return "ipc://*";
      if (transport === "inproc") return `inproc://zmtp-bench-${name}-${Math.random().toString(36).slice(2)}`;
      throw run.usage(`Unknown transport '${transport}' (tcp, ipc or inproc)`);
    };
    const local = async (a: string, b: string, name: string) => {
      const x = await run.open(a, [{ bind: true, endpoint: address(name) }], { linger: 0 }, false);
      const y = await run.open(b, [{ bind: false, endpoint: x.lastEndpoint! }], { linger: 0 }, false);
      return [x, y];
    };
    const [pull, push] = await local("pull", "push", "throughput");
    result.throughput = await throughputRun(run, pull, push, count, size);
    const [rep, req] = await local("rep", "req", "latency");
    const echo = (async () => {
      for (let i = 0; i < roundtrips; i++) await rep.send!(await rep.receive!({ signal: run.signal }));
    })();
    echo.catch(() => {});
    const payload = new Uint8Array(size).fill(0x61);
    const times: number[] = [];
    const progress = new Progress(run, "latency", roundtrips);
    try {
      for (let i = 0; i < roundtrips; i++) {
        const t0 = performance.now();
        await req.send!([payload], { signal: run.signal });
        await req.receive!({ signal: run.signal });
        times.push(performance.now() - t0);
        progress.done++;
      }
    } finally {
      await progress.end();
    }
    await echo;
    times.sort((a, b) => a - b);
    const at = (q: number) => round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 1000);
    result.latency = {
      roundtrips,
      meanUs: round((times.reduce((a, b) => a + b, 0) / times.length) * 1000),
      p50Us: at(0.5),
      p99Us: at(0.99),
    };
  }
  await run.io.stdout(p.options.json === true ? JSON.stringify(result) + "\n" : benchSummary(result));
}

// -- help --------------------------------------------------------------------------

const ORDER = [
  "pub",
  "sub",
  "push",
  "pull",
  "req",
  "rep",
  "dealer",
  "router",
  "pair",
  "proxy",
  "monitor",
  "keygen",
  "bench",
  "help",
];

/**
 * The help text of the program, or of one command.
 *
 * @param command The command, or undefined for the overview.
 * @returns The text.
 * @throws {UsageError} For an unknown command.
 */
export function helpText(command?: string): string {
  if (command === undefined) {
    const width = Math.max(...ORDER.map((c) => c.length));
    return [
      `Usage: ${PROGRAM} COMMAND [options]   (${PROGRAM} help COMMAND, ${PROGRAM} COMMAND --help)`,
      "",
      "ZeroMQ from the shell: sockets that read messages from stdin and print what they receive.",
      "",
      "Commands:",
      ...ORDER.map((c) => `  ${c.padEnd(width)}  ${COMMANDS[c].summary}`),
      "",
      "Exit codes: 0 done, 1 usage error, 2 runtime or connection error (bind, timeout, ...),",
      "130 interrupted (Ctrl-C; queued messages still get --linger ms to leave).",
      `ZMTP 3.1, as libzmq ${version}.`,
      "",
    ].join("\n");
  }
  const spec = COMMANDS[command];
  if (spec === undefined) throw new UsageError(`Unknown command '${command}'`);
  const rows = Object.entries(spec.options).map(([name, o]) => [`--${name}${o.arg ? ` ${o.arg}` : ""}`, o.help]);
  const width = Math.max(...rows.map(([l]) => l.length));
  const out = [`Usage: ${PROGRAM} ${command} ${spec.usage}`, "", `${spec.summary}.`];
  if (spec.details) out.push("", spec.details);
  out.push("", "Options:", ...rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`));
  if ("format" in spec.options) {
    out.push(
      "",
      "Formats: lines (one message per line), nul (NUL-terminated), length-prefixed (each frame a",
      "4-byte big-endian length, top bit set when another frame follows), json (an array of frames",
      "per line). --separator splits a line or record into frames (output joins with it, else a tab).",
    );
  }
  out.push("");
  return out.join("\n");
}

// -- main --------------------------------------------------------------------------

const RUNNERS: Record<string, (run: Run) => Promise<void>> = {
  pub: (r) => sendOnly(r, "pub"),
  push: (r) => sendOnly(r, "push"),
  sub: (r) => receiveOnly(r, "sub"),
  pull: (r) => receiveOnly(r, "pull"),
  req: request,
  rep: reply,
  dealer: (r) => bidirectional(r, "dealer"),
  router: (r) => bidirectional(r, "router"),
  pair: (r) => bidirectional(r, "pair"),
  proxy,
  keygen,
  monitor,
  bench,
};

/**
 * Runs the CLI.
 *
 * @param io The process: arguments, stdin, stdout, signals.
 * @returns The exit code (see {@link EXIT}).
 */
export async function main(io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(io.args);
    if (parsed.command === "version") {
      await io.stdout(`${PROGRAM} (ZMTP 3.1, as libzmq ${version})\n`);
      return EXIT.ok;
    }
    if (parsed.command === "help") {
      await io.stdout(helpText(parsed.positionals[0]));
      return EXIT.ok;
    }
  } catch (e) {
    return await failed(io, e);
  }
  const run = new Run(io, parsed);
  const off = io.onInterrupt(() => {
    run.interrupted = true;
    run.abort.abort();
  });
  try {
    await guarded(run, () => RUNNERS[parsed.command](run));
    return run.interrupted ? EXIT.interrupted : EXIT.ok;
  } catch (e) {
    return run.interrupted ? EXIT.interrupted : await failed(io, e);
  } finally {
    off();
    // Queued messages keep going out for --linger ms; the caller exits after.
    for (const s of run.sockets) s.close();
    const linger = "linger" in COMMANDS[parsed.command].options ? intOption(parsed, "linger", 2000, -1) : 5000;
    await lingered(linger < 0 ? Infinity : linger + 1000);
  }
}

/**
 * Resolves once no socket holds the process (lib/keepalive.ts): closed
 * sockets have delivered what was queued or their linger ran out (bounded
 * a little after the linger, in case something else holds). The process
 * itself may still be held by stdin, so the program exits explicitly after.
 */
async function lingered(limitMs: number): Promise<void> {
  const until = performance.now() + limitMs;
  while (holdCount() > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
}

async function failed(io: CliIo, e: unknown): Promise<number> {
  if (e instanceof UsageError) {
    const hint = e.command === undefined ? `${PROGRAM} help` : `${PROGRAM} help ${e.command}`;
    await io.stderr(`${PROGRAM}: ${e.message}\nTry '${hint}'.\n`);
    return EXIT.usage;
  }
  await io.stderr(`${PROGRAM}: ${errorText(e)}\n`);
  return EXIT.error;
}
