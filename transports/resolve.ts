/**
 * Host names of tcp:// endpoints resolved in the family libzmq's `ipv6`
 * option allows: IPv4 only without it, either with it. Literal addresses
 * are used as they are (the driver has refused IPv6 ones without `ipv6`).
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { zmqError } from "../lib/errors.ts";

/**
 * The address to connect to or bind for `host`.
 *
 * @param host A name or an IP literal.
 * @param ipv6 The socket's `ipv6` option.
 * @param binding A failure is "no such device" for a bind (libzmq's ENODEV).
 * @param address The endpoint, for the error.
 * @returns The IP literal.
 */
export async function resolveHost(
  host: string,
  ipv6: boolean | undefined,
  binding: boolean,
  address: string,
): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host, { family: ipv6 ? 0 : 4 })).address;
  } catch (e) {
    // libzmq's resolver: ENODEV when binding, EINVAL when connecting.
    throw zmqError(binding ? "ENODEV" : "EINVAL", `cannot resolve "${host}"`, { address, cause: e });
  }
}
