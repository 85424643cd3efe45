// Against libzmq 4.3.5 (zeromq.js 6 in tests/interop/security_peer.mjs,
// with its ZAP handler): a client of ours that the libzmq server's ZAP
// handler refuses makes one attempt and stops, as libzmq's own client does,
// instead of asking the ZAP handler again every reconnectInterval.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Request, type SocketEvent } from "../../mod.ts";
import { nodeBin, Peer, ROOT, sleep, withTimeout } from "./_harness.ts";

const ROW = { timeout: 20_000 };
const IVL = 10;

describe("reconnect policy against libzmq", () => {
  let peer: Peer | undefined;
  before(async () => {
    peer = await Peer.start("libzmq security peer", nodeBin(), [join(ROOT, "tests", "interop", "security_peer.mjs")]);
  });
  after(async () => {
    await peer?.stop();
  });

  for (const mechanism of ["PLAIN", "CURVE"] as const) {
    test(
      `our ${mechanism} client refused by libzmq's ZAP handler asks once, not every reconnectInterval`,
      ROW,
      async () => {
        const p = peer!;
        const keys = await p.request("keypair") as { publicKey: string; secretKey: string };
        const ours = await p.request("keypair") as { publicKey: string; secretKey: string };
        // The policy admits only a user and a key that are not ours.
        await p.request("zap", { policy: { plain: { bob: "pw" }, curve: [keys.publicKey] } });
        await p.request("zapLog");
        const server = mechanism === "PLAIN"
          ? { plainServer: true }
          : { curveServer: true, curveSecretKey: keys.secretKey, curvePublicKey: keys.publicKey };
        const { sock } = await p.request("new", { type: "Reply", options: server }) as { sock: number };
        const req = new Request({
          linger: 0,
          reconnectInterval: IVL,
          ...(mechanism === "PLAIN"
            ? { plainUsername: "bob", plainPassword: "guess" }
            : { curveServerKey: keys.publicKey, curvePublicKey: ours.publicKey, curveSecretKey: ours.secretKey }),
        });
        const retries: SocketEvent[] = [];
        req.events.on("connect:retry", (e) => retries.push(e));
        try {
          const { endpoint } = await p.request("bind", { sock, endpoint: "tcp://127.0.0.1:*" }) as { endpoint: string };
          const refused = new Promise<void>((r) => req.events.on("handshake:error:auth", () => r()));
          req.connect(endpoint);
          await withTimeout(5000, "the refusal", () => refused);
          // Twenty reconnect intervals: a retry, had there been one, came long before.
          await sleep(20 * IVL);
          const { requests } = await p.request("zapLog") as { requests: unknown[] };
          assert.equal(requests.length, 1, "ZAP requests at the libzmq server");
          assert.equal(retries.length, 0);
        } finally {
          req.close();
          await p.request("close", { sock });
        }
      },
    );
  }
});
