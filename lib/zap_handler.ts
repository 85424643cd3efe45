// libzmq's way to authenticate: a ZAP handler socket bound on
// inproc://zeromq.zap.01 in the context (RFC 27), as libzmq and zeromq.js
// programs install one. Requests go out over a DEALER, replies are matched by
// request id. Kept apart from lib/zap.ts so that the security code below the
// sockets does not import a socket type; it registers itself on import.

import type { Context } from "./context.ts";
import { Dealer } from "./sockets/dealer.ts";
import { parseMetadata } from "./zmtp/command.ts";
import type { Authenticator, ZapReply, ZapStatusCode } from "./zmtp/zap.ts";
import { useHandlerSocket } from "./zap.ts";

const ZAP_NAME = "zeromq.zap.01";
const dec = new TextDecoder();

function zapSocketClient(context: Context): Authenticator {
  const pending = new Map<string, (r: ZapReply) => void>();
  let next = 0;
  // Made when the first peer needs ZAP, so an unused context costs nothing.
  let dealer: Dealer | undefined;
  const open = (): Dealer => {
    if (dealer !== undefined) return dealer;
    const d = dealer = new Dealer({ context, linger: 0 });
    d.connect(`inproc://${ZAP_NAME}`);
    (async () => {
      for await (const [, , id, status, text, userId, metadata] of d) {
        const key = id ? dec.decode(id) : "";
        const resolve = pending.get(key);
        if (resolve === undefined) continue;
        pending.delete(key);
        let md: Map<string, Uint8Array>;
        try {
          md = parseMetadata(metadata ?? new Uint8Array(0));
        } catch {
          resolve({ statusCode: "500", statusText: "ZAP handler sent malformed metadata" });
          continue;
        }
        resolve({
          statusCode: (status ? dec.decode(status) : "") as ZapStatusCode,
          statusText: text ? dec.decode(text) : "",
          userId: userId ? dec.decode(userId) : "",
          metadata: md,
        });
      }
    })().catch(() => {});
    return d;
  };
  return async (req) => {
    const d = open();
    const id = String(++next);
    const reply = new Promise<ZapReply>((resolve) => pending.set(id, resolve));
    await d.send(["", "1.0", id, req.domain, req.address, req.routingId, req.mechanism, ...req.credentials]);
    return reply;
  };
}

useHandlerSocket(ZAP_NAME, zapSocketClient);
