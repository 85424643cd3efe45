// The `zmtp` CLI (cli.ts) driven as processes, the way a shell uses it: on
// Deno and Bun from the source, on Node the compiled npm/esm/cli.js (run
// scripts/build_npm.ts first). A bound wildcard endpoint is read from the
// CLI's "bound to" line on stderr, so no test guesses a free port.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import process from "node:process";
import { join } from "node:path";
import { builtNodeLib, nodeBin, ROOT, RUNTIME } from "./interop/_harness.ts";
import { parseArgs, UsageError } from "../lib/cli/args.ts";
import { encodeMessage, type FormatOptions, MessageDecoder } from "../lib/cli/formats.ts";
import { z85Decode } from "../mod.ts";

/** Bounds every process; a test that needs it longer is broken. */
const PROCESS_TIMEOUT = 20000;

function cliCommand(): [string, string[]] {
  if (RUNTIME === "deno") return [join(ROOT, "node_modules", ".bin", "deno"), ["run", "-A", join(ROOT, "cli.ts")]];
  if (RUNTIME === "bun") return [join(ROOT, "node_modules", ".bin", "bun"), [join(ROOT, "cli.ts")]];
  const lib = builtNodeLib();
  if (lib === undefined) throw new Error("The npm build is missing (run scripts/build_npm.ts)");
  return [nodeBin(), [join(lib, "..", "cli.js")]];
}

/** One CLI process: its output so far, lines as they come, and its end. */
class Cli {
  readonly proc: ChildProcess;
  stdout = Buffer.alloc(0);
  stderr = "";
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(args: string[], input?: string | Uint8Array) {
    const [cmd, pre] = cliCommand();
    this.proc = spawn(cmd, [...pre, ...args], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), PROCESS_TIMEOUT);
    this.proc.stdout!.on("data", (d: Buffer) => {
      this.stdout = Buffer.concat([this.stdout, d]);
      this.#wake();
    });
    this.proc.stderr!.on("data", (d: Buffer) => {
      this.stderr += d.toString();
      this.#wake();
    });
    this.proc.stdin!.on("error", () => {});
    if (input !== undefined) this.proc.stdin!.end(input);
    this.exited = new Promise((resolve) => {
      this.proc.on("close", (code, signal) => {
        clearTimeout(timer);
        this.#wake();
        // Deno's child_process reports a child's exit code 130 as death by
        // SIGINT (code null), so there the two cannot be told apart.
        if (code === null && signal === "SIGINT" && RUNTIME === "deno") resolve(130);
        else resolve(code ?? (signal === null ? null : -1));
      });
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits until `check` finds something in the output (bounded by the process's life). */
  async until<T>(what: string, check: () => T | undefined): Promise<T> {
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`The CLI ended before ${what}; stderr: ${this.stderr}`);
      }
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** The address the n-th wildcard bind got (from "zmtp: bound to ADDRESS"). */
  bound(n = 0): Promise<string> {
    return this.until(`bind ${n}`, () => [...this.stderr.matchAll(/^zmtp: bound to (\S+)$/gm)][n]?.[1]);
  }

  get text(): string {
    return this.stdout.toString();
  }

  /** Waits for the end; asserts the exit code. */
  async done(code = 0): Promise<this> {
    const got = await this.exited;
    assert.equal(got, code, `exit code ${got}, expected ${code}; stderr: ${this.stderr}`);
    return this;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

/** Runs the CLI to its end. */
function cli(args: string[], input?: string | Uint8Array): Cli {
  return new Cli(args, input);
}

const started: Cli[] = [];
function start(args: string[], input?: string | Uint8Array): Cli {
  const c = new Cli(args, input);
  started.push(c);
  return c;
}

async function cleanup(): Promise<void> {
  for (const c of started.splice(0)) {
    c.kill();
    await c.exited;
  }
}

const ANY = "tcp://127.0.0.1:*";

describe("cli: argument and format parsing", () => {
  test("options, lists and positionals", () => {
    const p = parseArgs(["sub", "--connect", "tcp://a:1", "--connect=tcp://b:2", "--json", "x", "y"]);
    assert.deepEqual(p, {
      command: "sub",
      options: { connect: ["tcp://a:1", "tcp://b:2"], json: true },
      positionals: ["x", "y"],
    });
    assert.equal(parseArgs(["push", "--help"]).command, "help");
    assert.throws(() => parseArgs(["push", "--nope"]), UsageError);
    assert.throws(() => parseArgs(["push", "--bind"]), UsageError);
    assert.throws(() => parseArgs(["push", "extra"]), UsageError);
    assert.throws(() => parseArgs(["proxy", "one"]), UsageError);
    // One Z85 key in 85 starts with "-": an option's value is the next word whatever it starts with.
    const key = "-bu}Y0.Ik3BB%fPaHlfYwuCdisPnxq0*+h}Bt7j{";
    assert.equal(parseArgs(["req", "--curve-server-key", key]).options["curve-server-key"], key);
    assert.equal(parseArgs(["rep", "--curve-secret-key", "--json"]).options["curve-secret-key"], "--json");
  });

  test("every format round-trips multipart binary messages", () => {
    const msgs = [[Buffer.from([0, 10, 13, 255]), Buffer.from("second")], [Buffer.alloc(0)], [Buffer.from("x")]];
    const formats: FormatOptions[] = [
      { format: "length-prefixed", encoding: "text" },
      { format: "json", encoding: "hex" },
      { format: "json", encoding: "base64" },
    ];
    for (const o of formats) {
      const bytes = Buffer.concat(msgs.map((m) => encodeMessage(m, o)));
      const d = new MessageDecoder(o);
      // Byte by byte: a record split across chunks still decodes.
      const got = [...bytes].flatMap((b) => d.push(Uint8Array.of(b)));
      got.push(...d.end());
      assert.deepEqual(
        got.map((m) => m.map((f) => Buffer.from(f).toString("hex"))),
        msgs.map((m) => m.map((f) => f.toString("hex"))),
        o.format,
      );
    }
    const lines = new MessageDecoder({ format: "lines", separator: "|", encoding: "text" });
    const got = [...lines.push(Buffer.from("a|b\r\nc\n")), ...lines.end()];
    assert.deepEqual(got.map((m) => m.map((f) => Buffer.from(f).toString())), [["a", "b"], ["c"]]);
  });
});

describe(`cli as a process (${RUNTIME})`, { timeout: 120000 }, () => {
  test("push | pull pipes lines through", async () => {
    try {
      const pull = start(["pull", "--bind", ANY, "--count", "3"]);
      const ep = await pull.bound();
      await cli(["push", "--connect", ep], "one\ntwo\nthree\n").done();
      await pull.done();
      assert.equal(pull.text, "one\ntwo\nthree\n");
    } finally {
      await cleanup();
    }
  });

  test("req against rep: echo, and --exec", async () => {
    try {
      const rep = start(["rep", "--bind", ANY, "--count", "2"]);
      const req = await cli(["req", "--connect", await rep.bound(), "--separator", "|"], "a|b\nc\n").done();
      assert.equal(req.text, "a|b\nc\n");
      await rep.done();

      const upper = start(["rep", "--bind", ANY, "--count", "1", "--exec", "tr a-z A-Z"]);
      const r = await cli(["req", "--connect", await upper.bound()], "hello\n").done();
      assert.equal(r.text, "HELLO\n");
      await upper.done();
    } finally {
      await cleanup();
    }
  });

  test("pub/sub with topics, printed as JSON", async () => {
    try {
      const sub = start(["sub", "--bind", ANY, "--count", "2", "--json", "weather", "--subscribe", "alerts"]);
      const ep = await sub.bound();
      await cli(
        ["pub", "--connect", ep, "--subscribers", "2", "--separator", " "],
        "news x\nweather 21C\nalerts storm\n",
      )
        .done();
      await sub.done();
      assert.deepEqual(sub.text.trim().split("\n").map((l) => JSON.parse(l)), [["weather", "21C"], [
        "alerts",
        "storm",
      ]]);
    } finally {
      await cleanup();
    }
  });

  test("dealer to router: routing id, and stdin sent while messages print", async () => {
    try {
      const router = start(["router", "--bind", ANY, "--count", "1", "--json"]);
      const dealer = start(["dealer", "--connect", await router.bound(), "--routing-id", "d1"], "hi\n");
      await router.done();
      assert.deepEqual(JSON.parse(router.text), ["d1", "hi"]);
      dealer.proc.kill("SIGINT");
      await dealer.done(130);
    } finally {
      await cleanup();
    }
  });

  test("binary formats round-trip through push and pull", async () => {
    try {
      const msgs = [[Buffer.from([0, 1, 10, 255]), Buffer.from("\n\0")], [Buffer.alloc(0)]];
      const o: FormatOptions = { format: "length-prefixed", encoding: "text" };
      const bytes = Buffer.concat(msgs.map((m) => encodeMessage(m, o)));
      const pull = start(["pull", "--bind", ANY, "--count", "2", "--format", "length-prefixed"]);
      await cli(["push", "--connect", await pull.bound(), "--format", "length-prefixed"], bytes).done();
      await pull.done();
      assert.equal(pull.stdout.toString("hex"), bytes.toString("hex"));

      const nul = start(["pull", "--bind", ANY, "--count", "2", "--json", "--encoding", "base64"]);
      await cli(["push", "--connect", await nul.bound(), "--format", "nul", "--separator", "\\t"], "a\tb\0\n\0").done();
      await nul.done();
      assert.deepEqual(nul.text.trim().split("\n").map((l) => JSON.parse(l)), [["YQ==", "Yg=="], ["Cg=="]]);
    } finally {
      await cleanup();
    }
  });

  test("proxy between push and pull, with a capture", async () => {
    try {
      const captured = start(["pull", "--bind", ANY, "--count", "2"]);
      const proxy = start([
        "proxy",
        `pull=@${ANY}`,
        `push=@${ANY}`,
        "--count",
        "2",
        "--capture",
        `push=>${await captured.bound()}`,
      ]);
      const front = await proxy.bound(0);
      const back = await proxy.bound(1);
      const pull = start(["pull", "--connect", back, "--count", "2"]);
      await cli(["push", "--connect", front], "x\ny\n").done();
      await pull.done();
      assert.equal(pull.text, "x\ny\n");
      await proxy.done();
      await captured.done();
      assert.equal(captured.text, "x\ny\n");
    } finally {
      await cleanup();
    }
  });

  test("keygen prints a Z85 key pair, and czmq cert files with --cert", async () => {
    const k = await cli(["keygen"]).done();
    const m = /^public (\S{40})\nsecret (\S{40})\n$/.exec(k.text);
    assert.ok(m, k.text);
    assert.equal(z85Decode(m[1]).length, 32);
    assert.equal(z85Decode(m[2]).length, 32);
    const dir = mkdtempSync(join(tmpdir(), "zmtp-cli-"));
    try {
      const j = await cli(["keygen", "--json", "--cert", join(dir, "server")]).done();
      const keys = JSON.parse(j.text);
      assert.ok(readFileSync(join(dir, "server"), "utf8").includes(keys.public));
      assert.ok(readFileSync(join(dir, "server_secret"), "utf8").includes(keys.secret));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("CURVE and PLAIN options on both sides", async () => {
    try {
      const keys = JSON.parse((await cli(["keygen", "--json"]).done()).text);
      const rep = start(["rep", "--bind", ANY, "--count", "1", "--curve-server", "--curve-secret-key", keys.secret]);
      const r = await cli(["req", "--connect", await rep.bound(), "--curve-server-key", keys.public], "secret\n")
        .done();
      assert.equal(r.text, "secret\n");
      await rep.done();

      // A wrong server key: the server says why on stderr, the client gives up at --timeout.
      const other = JSON.parse((await cli(["keygen", "--json"]).done()).text);
      const strict = start(["rep", "--bind", ANY, "--curve-server", "--curve-secret-key", keys.secret]);
      const refused = cli([
        "req",
        "--connect",
        await strict.bound(),
        "--curve-server-key",
        other.public,
        "--timeout",
        "3000",
      ], "x\n");
      await strict.until(
        "the refusal",
        () => /^zmtp: handshake:error:auth .*wrong server key/m.exec(strict.stderr)?.[0],
      );
      assert.match((await refused.done(2)).stderr, /Timed out after 3000 ms/);

      const plain = start(["rep", "--bind", ANY, "--count", "1", "--plain-server", "--plain", "ann:pw"]);
      const p = await cli(["req", "--connect", await plain.bound(), "--plain", "ann:pw"], "plain\n").done();
      assert.equal(p.text, "plain\n");
      await plain.done();
    } finally {
      await cleanup();
    }
  });

  test("monitor prints the connect and the handshake", async () => {
    try {
      const rep = start(["rep", "--bind", ANY]);
      const ep = await rep.bound();
      const mon = start(["monitor", ep, "--type", "req", "--json"]);
      const events = await mon.until("a handshake", () => {
        const list = mon.text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
        return list.some((e) => e.type === "handshake") ? list : undefined;
      });
      assert.ok(events.some((e) => e.type === "connect" && e.address === ep), JSON.stringify(events));
      assert.equal(events.find((e) => e.type === "handshake").peerType, "REP");
      mon.proc.kill("SIGINT");
      await mon.done(130);
    } finally {
      await cleanup();
    }
  });

  test("bench prints a summary", async () => {
    const text = await cli(["bench", "--count", "500", "--roundtrips", "20"]).done();
    assert.match(text.text, /^throughput: 499 messages of 100 B in .*\nlatency: 20 round trips: mean/);
    const json = JSON.parse(
      (await cli(["bench", "--count", "200", "--roundtrips", "5", "--size", "10", "--json"]).done()).text,
    );
    assert.equal(json.throughput.messages, 199);
    assert.equal(json.throughput.size, 10);
    assert.equal(json.latency.roundtrips, 5);
  });

  test("bench against a remote end: --push to --pull", async () => {
    try {
      const pull = start(["bench", "--pull", `@${ANY}`, "--count", "300", "--json"]);
      const push = await cli(["bench", "--push", await pull.bound(), "--count", "300", "--json"]).done();
      assert.equal(JSON.parse(push.text).sent.messages, 300);
      await pull.done();
      assert.equal(JSON.parse(pull.text).throughput.messages, 299);
    } finally {
      await cleanup();
    }
  });

  test("exit codes: 1 for usage errors, 2 for runtime errors, 130 on Ctrl-C", async () => {
    for (const args of [["push"], ["nope"], ["pull", "--bind", ANY, "--count", "x"], ["proxy", "a"], ["keygen", "x"]]) {
      const c = await cli(args).done(1);
      assert.match(c.stderr, /^zmtp: .*\nTry 'zmtp help/, c.stderr);
    }
    assert.match((await cli(["help", "rep"]).done()).text, /--exec CMD/);
    assert.match((await cli(["sub", "--help"]).done()).text, /^Usage: zmtp sub/);
    assert.match((await cli([]).done()).text, /Exit codes: 0/);

    try {
      const pull = start(["pull", "--bind", ANY]);
      const ep = await pull.bound();
      const taken = await cli(["pull", "--bind", ep]).done(2);
      assert.match(taken.stderr, /^zmtp: Cannot bind to/);
      const waited = await cli(["pull", "--connect", ep.replace(/:\d+$/, ":1"), "--timeout", "100"]).done(2);
      assert.match(waited.stderr, /Timed out after 100 ms/);
      pull.proc.kill("SIGINT");
      await pull.done(130);
    } finally {
      await cleanup();
    }
  });

  test("against libzmq: our req with CURVE to a zeromq.js REP", async () => {
    try {
      const keys = JSON.parse((await cli(["keygen", "--json"]).done()).text);
      // The key goes in the environment: one Z85 key in 85 starts with "-", which Node would take for an option.
      const peer = spawn(nodeBin(), ["--input-type=module", "-e", LIBZMQ_REP], {
        cwd: ROOT,
        env: { ...process.env, CURVE_SECRET: keys.secret },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const timer = setTimeout(() => peer.kill("SIGKILL"), PROCESS_TIMEOUT);
      try {
        let out = "";
        const ep = await new Promise<string>((resolve, reject) => {
          peer.stdout!.on("data", (d: Buffer) => {
            out += d;
            const m = /^(tcp:\S+)\n/.exec(out);
            if (m) resolve(m[1]);
          });
          let err = "";
          peer.stderr!.on("data", (d: Buffer) => err += d);
          peer.on(
            "close",
            (code, signal) => reject(new Error(`The libzmq peer ended (${code ?? signal}): ${out}${err}`)),
          );
        });
        const r = await cli(["req", "--connect", ep, "--curve-server-key", keys.public, "--separator", ","], "a,b\nc\n")
          .done();
        assert.equal(r.text, "libzmq a,b\nlibzmq c\n");
        await new Promise((r) => peer.exitCode === null ? peer.on("close", r) : r(null));
        assert.equal(peer.exitCode, 0);
      } finally {
        clearTimeout(timer);
        peer.kill("SIGKILL");
      }
    } finally {
      await cleanup();
    }
  });
});

/** A libzmq REP (zeromq.js on Node), CURVE server: answers two requests with "libzmq" in front. */
const LIBZMQ_REP = `
import { createRequire } from "node:module";
const zmq = createRequire(process.cwd() + "/package.json")("zeromq");
const rep = new zmq.Reply({ curveServer: true, curveSecretKey: process.env.CURVE_SECRET, linger: 1000 });
await rep.bind("tcp://127.0.0.1:*");
console.log(rep.lastEndpoint);
for (let i = 0; i < 2; i++) {
  const msg = await rep.receive();
  await rep.send(["libzmq " + msg[0].toString(), ...msg.slice(1)]);
}
rep.close();
`;

if (!existsSync(join(ROOT, "cli.ts"))) throw new Error("cli.ts is missing");
