/**
 * `ipc://` on Unix domain sockets with libzmq's rules: a file left by a
 * dead process is replaced on bind, the file is removed on unbind/close,
 * `ipc://*` binds a fresh path reported by `lastEndpoint`, and `ipc://@name`
 * uses Linux's abstract namespace (through node:net, which supports it on
 * Node, Deno and Bun).
 *
 * @module
 */

import { unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Endpoint } from "../lib/endpoint.ts";

// The directory for ipc://* paths: the system's temporary directory, or
// /tmp where reading it is not allowed (Deno without --allow-env).
function tempDir(): string {
  try {
    return tmpdir();
  } catch {
    return "/tmp";
  }
}
import type { Connection, Listener, Transport, TransportOptions } from "../lib/transport.ts";

/** Wraps a runtime's unix-socket transport with libzmq's ipc rules. */
export function ipcTransport(native: () => Promise<Transport>, node: () => Promise<Transport>): Transport {
  const pick = (path: string) => path.startsWith("@") ? node() : native();
  return {
    async connect(ep: Endpoint, options?: TransportOptions): Promise<Connection> {
      return (await pick(ep.path)).connect(ep, options);
    },
    async listen(
      ep: Endpoint,
      onConnection: (c: Connection) => void,
      onError?: (e: Error) => void,
      options?: TransportOptions,
    ): Promise<Listener> {
      let path = ep.path;
      if (path === "*") {
        path = `${tempDir()}/zmq-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}.sock`;
      }
      const abstract = path.startsWith("@");
      if (!abstract) {
        try {
          unlinkSync(path);
        } catch { /* no stale file */ }
      }
      const address = `ipc://${path}`;
      const l = await (await pick(path)).listen({ ...ep, address, path }, onConnection, onError, options);
      return {
        endpoint: address,
        unref: () => l.unref?.(),
        async close() {
          // Unlink first: a new bind of the same path may happen while
          // node:net's close() waits for connections, and its file must stay.
          if (!abstract) {
            try {
              unlinkSync(path);
            } catch { /* already gone */ }
          }
          await l.close();
        },
      };
    },
  };
}
