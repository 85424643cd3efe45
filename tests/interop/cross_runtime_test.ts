// This library on Deno, Bun and Node, talking to itself across processes:
// the runtime running this file against peer processes on the other two
// (Deno and Bun run mod.ts; Node runs the npm build), and those two against
// each other, for REQ/REP, PUSH/PULL and PUB/SUB, each side binding and
// connecting. Run under all three runtimes, every pair is covered both ways.

import { after, before, describe, test } from "node:test";
import {
  builtNodeLib,
  LocalSide,
  PATTERNS,
  type Peer,
  RemoteSide,
  rowsOf,
  runRow,
  RUNTIME,
  type Runtime,
  RUNTIME_NAME,
  startOurPeer,
} from "./_harness.ts";

const CROSS = PATTERNS.filter((p) => ["REQ/REP", "PUSH/PULL", "PUB/SUB"].includes(`${p.a}/${p.b}`));
const OTHERS = (["deno", "bun", "node"] as Runtime[]).filter((r) => r !== RUNTIME);

// Node runs the compiled package; without it, its rows are skipped, not failed.
const skipReason = (rt: Runtime): string | false =>
  rt === "node" && builtNodeLib() === undefined
    ? "Node peer needs the npm build of the library (npm/esm/mod.js): run `deno run -A scripts/build_npm.ts`"
    : false;

describe("this library across runtimes", () => {
  const peers = new Map<Runtime, Peer>();
  const failures = new Map<Runtime, Error>();
  before(async () => {
    await Promise.all(
      OTHERS.filter((rt) => !skipReason(rt)).map(async (rt) => {
        try {
          peers.set(rt, await startOurPeer(rt));
        } catch (e) {
          failures.set(rt, e as Error);
        }
      }),
    );
  });
  after(async () => {
    await Promise.allSettled([...peers.values()].map((p) => p.stop()));
  });
  const peerOn = (rt: Runtime) => () => {
    const p = peers.get(rt);
    if (!p) throw failures.get(rt) ?? new Error(`The ${RUNTIME_NAME[rt]} peer did not start`);
    return p;
  };
  const side = (rt: Runtime) => ({ name: RUNTIME_NAME[rt], make: RemoteSide.maker(peerOn(rt)) });
  const here = { name: RUNTIME_NAME[RUNTIME], make: LocalSide.make };

  for (const rt of OTHERS) {
    for (const p of CROSS) {
      for (const row of rowsOf("cross-runtime", p, here, side(rt))) {
        test(row.name, { skip: skipReason(rt) }, () => runRow(row));
      }
    }
  }
  // The other two runtimes, with each other.
  const [x, y] = OTHERS;
  for (const p of CROSS) {
    for (const row of rowsOf("cross-runtime", p, side(x), side(y))) {
      test(row.name, { skip: skipReason(x) || skipReason(y) }, () => runRow(row));
    }
  }
});
