// Interop with JeroMQ 0.3.6 (Debian's libjeromq-java), a pure-Java ZeroMQ
// that speaks ZMTP 2.0: its greeting has revision 1 and a socket type
// octet, then 2.0 frames. The pattern table of _harness.ts with our socket
// on each side, binding and connecting, over tcp, against a Java peer
// (jeromq/JeromqPeer.java, compiled here into .tmp/ and cached) speaking the
// _peer_core.mjs line protocol. Skipped when java or the jar is missing
// (.ci/run installs both).

import { after, before, describe, test } from "node:test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { LocalSide, PATTERNS, Peer, RemoteSide, ROOT, rowsOf, runRow } from "./_harness.ts";

const JAR = "/usr/share/java/jeromq.jar";
const SOURCE = join(ROOT, "tests", "interop", "jeromq", "JeromqPeer.java");
const CLASSES = join(ROOT, ".tmp", "jeromq");

function have(cmd: string): boolean {
  try {
    execFileSync(cmd, ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const SKIP = !existsSync(JAR)
  ? `no ${JAR} (apt-get install libjeromq-java)`
  : !have("java") || !have("javac")
  ? "no java/javac (apt-get install default-jdk-headless)"
  : false;

// Compiles the peer unless its class is newer than its source.
function compile(): void {
  const cls = join(CLASSES, "JeromqPeer.class");
  if (existsSync(cls) && statSync(cls).mtimeMs >= statSync(SOURCE).mtimeMs) return;
  mkdirSync(CLASSES, { recursive: true });
  execFileSync("javac", ["-nowarn", "-cp", JAR, "-d", CLASSES, SOURCE], { stdio: "pipe" });
}

// JeroMQ 0.3.6 predates ZMQ_REQ_CORRELATE/RELAXED and ZMQ_PROBE_ROUTER.
const SUPPORTED = PATTERNS.filter((p) => p.variant === undefined);

describe("interop with JeroMQ 0.3.6 (ZMTP 2.0)", { skip: SKIP }, () => {
  let peer: Peer | undefined;
  before(async () => {
    compile();
    peer = await Peer.start("JeroMQ peer", "java", ["-cp", `${JAR}:${CLASSES}`, "JeromqPeer"]);
  });
  after(async () => {
    await peer?.stop();
  });
  const jeromq = () => {
    if (!peer) throw new Error("The JeroMQ peer did not start");
    return peer;
  };
  const ours = { name: "our", make: LocalSide.make };
  const theirs = { name: "JeroMQ", make: RemoteSide.maker(jeromq) };
  for (const p of SUPPORTED) {
    for (const row of rowsOf("jeromq", p, ours, theirs, "tcp")) test(row.name, () => runRow(row));
  }
});
