// czmq certificates (zcert): lib/cert.ts reads and writes the ZPL text,
// transports/cert_fs.ts the files, and createAuthenticator admits the keys
// of a certificate directory as czmq's zauth configure_curve does. The
// interop half builds tests/interop/czmq/zcert_tool.c against libczmq
// (czmq's own zcert_save/zcert_load) and is skipped without gcc and the
// czmq headers (.ci/run installs gcc and libczmq-dev).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type Cert,
  certFromText,
  certToText,
  createAuthenticator,
  curveKeyPair,
  type EventOfType,
  loadCert,
  loadCertDirectory,
  newCert,
  Reply,
  Request,
  saveCert,
  type SocketBase,
  type SocketEventType,
  z85Decode,
} from "../mod.ts";
import { parseZpl } from "../lib/cert.ts";
import { ROOT } from "./interop/_harness.ts";
import { closeAll, text, texts, WAIT, withTimeout } from "./_helpers.ts";

const PK = "6NX&s!}dT%Hm![)*rzb}f2ni#0J80SqRfj]s-9tE";
const SK = "-E2oJAA]0M/JVVN{r>cN%7Wy2KcOwY=<Tw4AuI1p";

// What czmq 4.2.1's zcert_save wrote for this key pair (only the generator
// name in the first comment differs).
const CZMQ_PUBLIC = `#   ****  Generated on 2026-12-01 12:06:43 by CZMQ  ****
#   ZeroMQ CURVE Public Certificate
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.

metadata
    name = "Ann Example"
    email = "ann@example.com"
curve
    public-key = "${PK}"
`;
const CZMQ_SECRET = `#   ****  Generated on 2026-12-01 12:06:43 by CZMQ  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

metadata
    name = "Ann Example"
    email = "ann@example.com"
curve
    public-key = "${PK}"
    secret-key = "${SK}"
`;
const ANN: Cert = { publicKey: PK, secretKey: SK, metadata: { name: "Ann Example", email: "ann@example.com" } };

// A tiny deterministic PRNG, so a fuzz failure can be replayed.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("cert text (ZPL)", () => {
  test("certToText writes what czmq's zcert_save writes", () => {
    const date = new Date(2026, 11, 1, 12, 6, 43);
    assert.equal(certToText(ANN, "public", { date }), CZMQ_PUBLIC.replace("by CZMQ", "by zmtp"));
    assert.equal(certToText(ANN, "secret", { date }), CZMQ_SECRET.replace("by CZMQ", "by zmtp"));
  });

  test("certFromText reads czmq's public and secret files", () => {
    assert.deepEqual(certFromText(CZMQ_SECRET), ANN);
    const { secretKey: _, ...pub } = ANN;
    assert.deepEqual(certFromText(CZMQ_PUBLIC), pub);
  });

  test("ZPL as zconfig reads it: quotes, bare values, comments, CRLF, first name wins", () => {
    const cert = certFromText(
      [
        "# a comment line",
        "",
        "metadata    # the section",
        "    single = 'say \"hi\"'",
        "    bare = some words   # a comment after whitespace",
        "    hash = a#b",
        "    flag",
        "    # an indented comment",
        "    single = 'second, ignored'",
        "    nested",
        "        deeper = ignored",
        "curve",
        `    public-key = ${PK}\r`,
        `    secret-key = "${"0".repeat(40)}"`,
        "",
      ].join("\n"),
    );
    assert.deepEqual(cert, {
      publicKey: PK,
      metadata: { single: 'say "hi"', bare: "some words", hash: "a#b", flag: "", nested: "" },
    });
  });

  test("malformed text is refused with the line and the fault", () => {
    const ok = `curve\n    public-key = "${PK}"\n`;
    const cases: [string, RegExp][] = [
      ["curve\n  public-key = x\n", /line 2: indent by 4 spaces/],
      ["        deep = 1\n", /line 1: indented 2 levels/],
      ['curve\n    public-key = "abc\n', /line 2: no closing "/],
      ['curve\n    public-key = "abc" junk\n', /line 2: unexpected text "junk"/],
      ["curve junk\n", /line 1: unexpected text/],
      ["= value\n", /line 1: unexpected text "= value"/],
      ["/name = 1\n", /line 1: '\/' at the start or end/],
      ["a\0b\n", /line 1: a NUL character/],
      ["\tcurve\n", /line 1: unexpected text/],
      ["metadata\n", /no curve\/public-key/],
      ['curve\n    public-key = "short"\n', /public-key is not 40 characters of Z85/],
      [`curve\n    public-key = "${PK.slice(0, 39)} "\n`, /public-key is not 40 characters of Z85/],
      [`curve\n    public-key = "${"~".repeat(40)}"\n`, /public-key is not 40 characters of Z85/],
      [ok + '    secret-key = "nope"\n', /secret-key is not 40 characters of Z85/],
    ];
    for (const [input, why] of cases) {
      assert.throws(() => certFromText(input), (e: Error) => e instanceof SyntaxError && why.test(e.message), input);
    }
    assert.throws(() => certFromText(42 as unknown as string), TypeError);
  });

  test("certToText refuses what czmq could not read back", () => {
    const bad: [Partial<Cert>, RegExp][] = [
      [{ publicKey: "short" }, /public-key must be 40 characters/],
      [{ metadata: { "a b": "x" } }, /Metadata name "a b"/],
      [{ metadata: { "": "x" } }, /Metadata name ""/],
      [{ metadata: { "a/": "x" } }, /Metadata name "a\/"/],
      [{ metadata: { a: "x\ny" } }, /line break/],
      [{ metadata: { a: `'"` } }, /both ' and "/],
      [{ metadata: { a: 1 as unknown as string } }, /string value/],
      [{ metadata: { a: "x".repeat(1100) } }, /over 1024 bytes/],
    ];
    for (const [change, why] of bad) {
      assert.throws(
        () => certToText({ ...ANN, ...change }, "public"),
        (e: Error) => e instanceof TypeError && why.test(e.message),
      );
    }
    assert.throws(() => certToText({ ...ANN, secretKey: undefined }, "secret"), /needs the secret key/);
    assert.throws(() => certToText(ANN, "both" as "public"), /kind must be/);
  });

  test("fuzz: random metadata round-trips; random and mutated text parses or throws SyntaxError", () => {
    const rand = rng(11);
    const pick = (s: string) => s[Math.floor(rand() * s.length)];
    const NAMECH = "abcXYZ019$-_@.&+/";
    const VALCH = "ab Z9 #=\"'\t$%é€\\";
    for (let i = 0; i < 300; i++) {
      const metadata: Record<string, string> = {};
      for (let n = Math.floor(rand() * 5); n > 0; n--) {
        let name = "";
        for (let k = 1 + Math.floor(rand() * 8); k > 0; k--) name += pick(NAMECH);
        name = name.replace(/^\/+|\/+$/g, "") || "n";
        let value = "";
        for (let k = Math.floor(rand() * 12); k > 0; k--) value += pick(VALCH);
        if (value.includes('"') && value.includes("'")) value = value.replaceAll("'", "");
        if (!(name in metadata)) metadata[name] = value;
      }
      const cert = { ...newCert(), metadata };
      assert.deepEqual(certFromText(certToText(cert, "secret")), cert);
      const { secretKey: _, ...pub } = cert;
      assert.deepEqual(certFromText(certToText(cert, "public")), pub);
    }
    const seed = certToText(ANN, "secret");
    const ALPHA = " \t\n\r#='\"abc/-\0é";
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      let input: string;
      if (i % 3 === 0) {
        input = "";
        for (let k = Math.floor(rand() * 200); k > 0; k--) input += pick(ALPHA);
      } else {
        const chars = [...seed];
        for (let m = 1 + Math.floor(rand() * 4); m > 0; m--) {
          const at = Math.floor(rand() * chars.length);
          const op = rand();
          if (op < 0.4) chars[at] = pick(ALPHA);
          else if (op < 0.7) chars.splice(at, 1);
          else chars.splice(at, 0, pick(ALPHA));
        }
        input = chars.join("");
      }
      try {
        const cert = certFromText(input);
        assert.equal(z85Decode(cert.publicKey).length, 32);
        parsed++;
      } catch (e) {
        assert.ok(e instanceof SyntaxError, `not a SyntaxError for ${JSON.stringify(input)}: ${e}`);
      }
    }
    assert.ok(parsed > 0, "some mutations still parse");
  });

  test("parseZpl nests by indentation", () => {
    const root = parseZpl("a\n    b = 1\n        c\n    d\ne\n");
    const names = (i: { name: string; children: { name: string }[] }) => i.children.map((c) => c.name);
    assert.deepEqual(names(root), ["a", "e"]);
    assert.deepEqual(names(root.children[0]), ["b", "d"]);
    assert.deepEqual(names(root.children[0].children[0]), ["c"]);
  });
});

describe("createAuthenticator with certificates", () => {
  const ask = (auth: ReturnType<typeof createAuthenticator>, key: string) =>
    auth({
      version: "1.0",
      domain: "",
      address: "127.0.0.1",
      routingId: new Uint8Array(0),
      mechanism: "CURVE",
      credentials: [z85Decode(key)],
    });

  test("a listed certificate admits its key with its metadata; others are refused", async () => {
    const friend = newCert({ name: "friend" });
    const auth = createAuthenticator({ curve: [friend, { publicKey: friend.publicKey, metadata: { name: "dup" } }] });
    const yes = await ask(auth, friend.publicKey);
    assert.equal(yes.statusCode, "200");
    assert.equal(yes.userId, friend.publicKey);
    assert.deepEqual(yes.metadata, { name: "friend" });
    assert.equal((await ask(auth, curveKeyPair().publicKey)).statusCode, "400");
  });

  test('"*" admits any key, as czmq\'s CURVE_ALLOW_ANY', async () => {
    assert.equal((await ask(createAuthenticator({ curve: "*" }), curveKeyPair().publicKey)).statusCode, "200");
  });
});

describe("cert files", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zmtp-cert-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("saveCert writes the public file and a 0600 secret file; loadCert prefers the secret one", async () => {
    const path = join(dir, "ann");
    await saveCert(ANN, path);
    assert.match(await readFile(path, "utf8"), /public-key = /);
    assert.doesNotMatch(await readFile(path, "utf8"), /secret-key/);
    assert.equal((await stat(`${path}_secret`)).mode & 0o777, 0o600);
    assert.deepEqual(await loadCert(path), ANN);
    await rm(`${path}_secret`);
    assert.equal((await loadCert(path)).secretKey, undefined);
    // An existing secret file with a looser mode is tightened.
    await writeFile(`${path}_secret`, "old", { mode: 0o644 });
    await saveCert(ANN, path);
    assert.equal((await stat(`${path}_secret`)).mode & 0o777, 0o600);
  });

  test("a public certificate saves no secret file; errors name the file", async () => {
    const path = join(dir, "pub-only");
    await saveCert({ publicKey: PK, metadata: {} }, path);
    assert.equal(existsSync(`${path}_secret`), false);
    await writeFile(join(dir, "junk"), "not = a cert\n");
    await assert.rejects(
      loadCert(join(dir, "junk")),
      (e: Error) => e instanceof SyntaxError && e.message.includes("junk"),
    );
    await assert.rejects(loadCert(join(dir, "missing")), (e: Error & { code?: string }) => e.code === "ENOENT");
    await assert.rejects(saveCert({ ...ANN, metadata: { "bad name": "x" } }, join(dir, "never")), TypeError);
    assert.equal(existsSync(join(dir, "never")), false);
  });

  test("loadCertDirectory: public files, subdirectories, no secrets, hidden entries or junk", async () => {
    const store = join(dir, "store");
    await mkdir(join(store, "sub"), { recursive: true });
    await mkdir(join(store, ".hidden"), { recursive: true });
    const a = newCert({ name: "a" }), b = newCert({ name: "b" }), c = newCert({ name: "c" });
    await saveCert(a, join(store, "a"));
    await saveCert(b, join(store, "sub", "b"));
    await saveCert(c, join(store, ".hidden", "c"));
    await saveCert(newCert(), join(store, ".dot"));
    await writeFile(join(store, "README"), "not a certificate\n");
    await symlink(join(store, "gone"), join(store, "dangling"));
    const got = (await loadCertDirectory(store)).map((x) => [x.publicKey, x.metadata.name, x.secretKey]);
    assert.deepEqual(got.sort(), [[a.publicKey, "a", undefined], [b.publicKey, "b", undefined]].sort());
    assert.deepEqual(await loadCertDirectory(join(dir, "no-such-dir")), []);
  });
});

// -- against czmq ----------------------------------------------------------------

const SOURCE = join(ROOT, "tests", "interop", "czmq", "zcert_tool.c");
const TOOL = join(ROOT, ".tmp", "czmq", "zcert_tool");

function have(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const SKIP = !have("gcc", ["--version"])
  ? "no gcc (apt-get install gcc)"
  : !existsSync("/usr/include/czmq.h")
  ? "no czmq headers (apt-get install libczmq-dev)"
  : false;

// Builds the tool unless it is newer than its source.
function build(): void {
  if (existsSync(TOOL) && statSync(TOOL).mtimeMs >= statSync(SOURCE).mtimeMs) return;
  mkdirSync(join(ROOT, ".tmp", "czmq"), { recursive: true });
  execFileSync("gcc", ["-o", TOOL, SOURCE, "-lczmq", "-lzmq"], { stdio: "pipe" });
}

// The tool's output: public key, secret key, then NAME<TAB>VALUE lines.
function czmq(...args: string[]): Cert {
  const [publicKey, secretKey, ...meta] = execFileSync(TOOL, args, { encoding: "utf8" }).trimEnd().split("\n");
  const metadata: Record<string, string> = {};
  for (const line of meta) {
    const tab = line.indexOf("\t");
    metadata[line.slice(0, tab)] = line.slice(tab + 1);
  }
  return secretKey === "0".repeat(40) ? { publicKey, metadata } : { publicKey, secretKey, metadata };
}

function nextEvent<E extends SocketEventType>(sock: SocketBase, type: E): Promise<EventOfType<E>> {
  let on!: (e: EventOfType<E>) => void;
  const p = new Promise<EventOfType<E>>((resolve) => {
    on = resolve;
    sock.events.on(type, on);
  });
  return withTimeout(p, WAIT, `${type} event`).finally(() => sock.events.off(type, on));
}

describe("czmq certificates (libczmq's zcert)", { skip: SKIP }, () => {
  let dir = "";
  before(async () => {
    build();
    dir = await mkdtemp(join(tmpdir(), "zmtp-czmq-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("certificates czmq saved load here with the same keys and metadata", async () => {
    const path = join(dir, "made-by-czmq");
    const made = czmq("save", path, "name=Zoë Example", "email=z@example.com", "empty=", 'quote=say "hi"');
    // czmq writes a double quote inside double quotes, which it cannot read back.
    const { quote: _, ...readable } = made.metadata;
    assert.equal(made.metadata.quote, 'say "hi"');
    await assert.rejects(loadCert(path), /unexpected text/);
    const ok = czmq("save", path, ...Object.entries(readable).map(([k, v]) => `${k}=${v}`));
    assert.deepEqual(await loadCert(path), ok);
    const { secretKey: _s, ...pub } = ok;
    await rm(`${path}_secret`);
    assert.deepEqual(await loadCert(path), pub);
    assert.equal(ok.secretKey?.length, 40);
  });

  test("certificates saved here load in czmq (zcert_load), secret and public", async () => {
    const path = join(dir, "made-here");
    const cert = newCert({ name: "Zoë", role: 'say "hi"', dots: "a.b@c&d+e$f" });
    await saveCert(cert, path);
    assert.deepEqual(czmq("load", path), cert);
    assert.equal((await stat(`${path}_secret`)).mode & 0o777, 0o600);
    await rm(`${path}_secret`);
    const { secretKey: _, ...pub } = cert;
    assert.deepEqual(czmq("load", path), pub);
  });

  test("a CURVE handshake between our sockets with czmq's cert files; a zauth-style directory admits one client, refuses another", async () => {
    const server = czmq("save", join(dir, "server"), "name=server");
    const client = czmq("save", join(dir, "client"), "name=client", "role=friend");
    czmq("save", join(dir, "stranger"), "name=stranger");
    // The server's directory of allowed clients: the client's public file only.
    const allowed = join(dir, "allowed");
    await mkdir(allowed);
    await copyFile(join(dir, "client"), join(allowed, "client.cert"));

    const serverCert = await loadCert(join(dir, "server"));
    assert.equal(serverCert.secretKey, server.secretKey);
    const rep = new Reply({
      linger: 0,
      curveServer: true,
      curveSecretKey: serverCert.secretKey,
      authenticator: createAuthenticator({ curve: await loadCertDirectory(allowed) }),
    });
    const sockets: SocketBase[] = [rep];
    try {
      await rep.bind("tcp://127.0.0.1:*");
      const serverPublic = (await loadCert(join(dir, "server"))).publicKey;
      const clientOf = async (name: string) => {
        const mine = await loadCert(join(dir, name));
        const req = new Request({
          linger: 0,
          reconnectInterval: -1,
          curveServerKey: serverPublic,
          curvePublicKey: mine.publicKey,
          curveSecretKey: mine.secretKey,
        });
        sockets.push(req);
        return req;
      };

      const refused = nextEvent(rep, "handshake:error:auth");
      const stranger = await clientOf("stranger");
      const strangerRefused = nextEvent(stranger, "handshake:error:auth");
      stranger.connect(rep.lastEndpoint!);
      await refused;
      await strangerRefused;

      const up = nextEvent(rep, "handshake");
      const req = await clientOf("client");
      req.connect(rep.lastEndpoint!);
      await req.send("hello");
      assert.deepEqual(texts(await rep.receive()), ["hello"]);
      await rep.send("welcome");
      assert.deepEqual(texts(await req.receive()), ["welcome"]);
      const shake = await up;
      assert.equal(shake.userId, client.publicKey);
      // The certificate's metadata comes with the peer, as czmq's zauth sends it.
      assert.equal(text(shake.properties!.get("role")!), "friend");
      assert.equal(text(shake.properties!.get("name")!), "client");
    } finally {
      closeAll(...sockets);
    }
  });
});
