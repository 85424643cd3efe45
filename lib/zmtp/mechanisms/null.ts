// NULL mechanism (RFC 23 §"The NULL Security Mechanism"): each side sends
// READY with its metadata and accepts the peer's READY.

import { authError, type AuthStatus, HandshakeError } from "../../errors.ts";
import { encodeReady, parseCommand, parseErrorReason, parseMetadata } from "../command.ts";
import type { HandshakeStep, Mechanism, MechanismContext } from "../mechanism.ts";

/** Metadata every mechanism sends: Socket-Type, Identity, user properties. */
export function readyProperties(ctx: MechanismContext): [string, Uint8Array | string][] {
  const props: [string, Uint8Array | string][] = [["Socket-Type", ctx.socketType]];
  if (ctx.identity !== undefined) props.push(["Identity", ctx.identity]);
  if (ctx.properties) { for (const p of ctx.properties) props.push(p); }
  return props;
}

/** The NULL mechanism: no security, just the metadata exchange. */
export class NullMechanism implements Mechanism {
  readonly name = "NULL";
  readonly asServer = false;
  /** The socket's side of the connection (a framing may run its own NULL handshake with it). */
  readonly context: MechanismContext;

  constructor(ctx: MechanismContext) {
    this.context = ctx;
  }

  start(): HandshakeStep {
    return { send: [encodeReady(readyProperties(this.context))] };
  }

  receive(body: Uint8Array): HandshakeStep {
    const cmd = parseCommand(body);
    if (cmd.name === "READY") {
      return { send: [], done: { properties: parseMetadata(cmd.data) } };
    }
    if (cmd.name === "ERROR") {
      // A bare ZAP status code: the server's authenticator refused us (RFC 27).
      const reason = parseErrorReason(cmd.data);
      const message = `peer sent ERROR: ${reason}`;
      throw /^[345]00$/.test(reason) ? authError(message, Number(reason) as AuthStatus) : new HandshakeError(message);
    }
    return { send: [], error: `unexpected ${cmd.name} command in NULL handshake` };
  }
}
