// Owned by the build/CI tooling (scripts/test_all.sh): a minimal end-to-end
// check that every stage (deno test, bun test, node --test on the npm build)
// really loads the package and moves a message over TCP. Pattern tests live
// in their own files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Pull, Push } from "../mod.ts";

test("Push.send() reaches a Pull over tcp://127.0.0.1:*", { timeout: 10_000 }, async () => {
  const pull = new Pull({ linger: 0, receiveTimeout: 5_000 });
  const push = new Push({ linger: 0, sendTimeout: 5_000 });
  try {
    await pull.bind("tcp://127.0.0.1:*");
    assert.match(pull.lastEndpoint ?? "", /^tcp:\/\/127\.0\.0\.1:\d+$/);
    push.connect(pull.lastEndpoint!);
    await push.send(["smoke", new Uint8Array([0, 255])]);
    const msg = await pull.receive();
    assert.equal(msg.length, 2);
    assert.equal(new TextDecoder().decode(msg[0]), "smoke");
    assert.deepEqual([...msg[1]], [0, 255]);
  } finally {
    push.close();
    pull.close();
  }
});
