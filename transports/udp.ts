/**
 * udp:// datagram sockets on node:dgram, which Node, Deno and Bun all
 * provide. Importing this module installs them (see lib/udp.ts for the
 * contract and the message layout).
 *
 * @module
 */

import type { Socket } from "node:dgram";
import { networkInterfaces } from "node:os";
import { ZmqError } from "../lib/errors.ts";
import {
  type DatagramHandler,
  type DatagramSocket,
  type DatagramTransport,
  type MulticastOptions,
  registerDatagramTransport,
  type SessionOptions,
  type SessionSocket,
  type UdpTarget,
} from "../lib/udp.ts";

// An interface given by name (eth0) or address, as the address to use for
// IPv4 membership and sends; IPv6 wants the scope, `::%eth0`.
function ifaceAddress(t: UdpTarget): string | undefined {
  const iface = t.iface;
  if (iface === undefined) return undefined;
  if (/^[\d.]+$/.test(iface) || iface.includes(":")) return iface;
  const addrs = networkInterfaces()[iface];
  if (t.family === 6 && addrs) return `::%${iface}`;
  const a = addrs?.find((x) => x.family === "IPv4" || (x.family as unknown) === 4);
  if (!a) throw new ZmqError("ENOENT", `No IPv4 interface named "${iface}"`);
  return a.address;
}

function fail(e: unknown, t: UdpTarget): Error {
  const code = (e as { code?: string }).code;
  const where = `${t.host}:${t.port}`;
  if (code === "EADDRINUSE" || code === "EADDRNOTAVAIL") {
    return new ZmqError(code, `${(e as Error).message} (udp ${where})`, { cause: e });
  }
  return e instanceof Error ? e : new Error(String(e));
}

function bindSocket(s: Socket, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once("error", reject);
    s.bind(port, host, () => {
      s.off("error", reject);
      resolve();
    });
  });
}

// Deno's node:dgram hands out views into 64 KiB buffers: keep right-sized copies.
function own(b: Uint8Array): Uint8Array {
  return b.buffer.byteLength > 2 * b.length + 64 ? b.slice() : new Uint8Array(b.buffer, b.byteOffset, b.length);
}

async function open(
  t: UdpTarget,
  handler: DatagramHandler,
  receiving: boolean,
  multicast: MulticastOptions = { hops: 1, loop: true },
): Promise<DatagramSocket> {
  const iface = ifaceAddress(t);
  const dgram = await import("node:dgram");
  const s = dgram.createSocket({ type: t.family === 6 ? "udp6" : "udp4", reuseAddr: receiving });
  // As a tcp connection, a udp socket keeps no process alive (lib/keepalive.ts holds it while a call waits).
  // Before bind: Deno's node:dgram ignores an unref() once its receive loop has started.
  s.unref?.();
  const any = t.family === 6 ? "::" : "0.0.0.0";
  let member = false;
  try {
    // A multicast receiver binds the group's port on every address and joins the group.
    await bindSocket(s, receiving ? t.port : 0, receiving && !t.multicast ? t.host : any);
    if (receiving && t.multicast) {
      s.addMembership(t.host, iface);
      member = true;
    } else if (t.multicast) {
      s.setMulticastLoopback(multicast.loop);
      s.setMulticastTTL(multicast.hops);
      if (iface !== undefined) s.setMulticastInterface(iface);
    }
  } catch (e) {
    s.close();
    throw fail(e, t);
  }
  let closed = false;
  s.on("error", (e) => handler.onError(e));
  if (receiving) {
    s.on("message", (b: Uint8Array, r: { address: string; port: number }) => {
      handler.onDatagram(own(b), { host: r.address, port: r.port });
    });
  }
  return {
    localPort: s.address().port,
    send(d, done) {
      s.send(d, t.port, t.host, (e) => done(e ?? undefined));
    },
    sendTo(d, host, port, done) {
      s.send(d, port, host, (e) => done(e ?? undefined));
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        if (member) s.dropMembership(t.host, iface);
      } catch { /* the socket is going anyway */ }
      s.close();
    },
  };
}

// epgm://: one socket that receives the group's traffic and NAKs on the
// port, and sends both ways. The interface must be an IPv4 address or name.
async function session(t: UdpTarget, handler: DatagramHandler, o: SessionOptions): Promise<SessionSocket> {
  const iface = ifaceAddress(t) ?? firstIPv4();
  const dgram = await import("node:dgram");
  const s = dgram.createSocket({ type: "udp4", reuseAddr: true });
  s.unref?.();
  try {
    await bindSocket(s, t.port, "0.0.0.0");
    s.addMembership(t.host, iface);
    s.setMulticastInterface(iface);
    s.setMulticastLoopback(o.loop);
    s.setMulticastTTL(o.hops);
  } catch (e) {
    s.close();
    throw fail(e, t);
  }
  let closed = false;
  s.on("error", (e) => handler.onError(e));
  s.on("message", (b: Uint8Array, r: { address: string; port: number }) => {
    handler.onDatagram(own(b), { host: r.address, port: r.port });
  });
  return {
    localPort: t.port,
    interfaceAddress: iface,
    send(d, done) {
      s.send(d, t.port, t.host, (e) => done(e ?? undefined));
    },
    sendTo(d, host, port, done) {
      s.send(d, port, host, (e) => done(e ?? undefined));
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        s.dropMembership(t.host, iface);
      } catch { /* the socket is going anyway */ }
      s.close();
    },
  };
}

function firstIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    const a = addrs?.find((x) => (x.family === "IPv4" || (x.family as unknown) === 4) && !x.internal);
    if (a) return a.address;
  }
  return "127.0.0.1";
}

/** udp:// (and epgm://'s datagrams) on node:dgram. */
export const udpTransport: DatagramTransport = {
  sender: (t, handler, multicast) => open(t, handler, false, multicast),
  receiver: (t, handler, multicast) => open(t, handler, true, multicast),
  session,
};

registerDatagramTransport(udpTransport);
