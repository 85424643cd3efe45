// PLAIN mechanism (RFC 24/ZMTP-PLAIN), as libzmq 4.3 speaks it:
//
//   C: HELLO    = "\x05HELLO" username(1-octet length) password(1-octet length)
//   S: WELCOME  = "\x07WELCOME"            ; only once ZAP admitted the user
//   C: INITIATE = "\x08INITIATE" metadata
//   S: READY    = "\x05READY" metadata
//   S: ERROR    = "\x05ERROR" reason      ; instead of WELCOME, reason = ZAP status
//
// A PLAIN server needs a ZAP authenticator: libzmq 4.3 refuses every client
// when none is installed, and so do we.
//
// libzmq's PLAIN writes ERROR as "\x5eRROR" (its C literal "\x05ERROR" reads
// \x05E as one hex escape): we accept that form, and send the RFC's, which
// libzmq's PLAIN client reports as a protocol error rather than an
// authentication failure; either way it is refused.

import { authError, HandshakeError } from "../../errors.ts";
import { encodeCommand, encodeError, encodeMetadata, isCommand, parseCommand, parseMetadata } from "../command.ts";
import type { HandshakeStep, Mechanism, MechanismContext } from "../mechanism.ts";
import { readyProperties } from "./null.ts";
import { peerRefused, type ZapCheck, zapDone, type ZapOutcome, zapRefused } from "../zap.ts";

/** Role and credentials for one PLAIN connection. */
export interface PlainOptions {
  /** True for the server role (ZMQ_PLAIN_SERVER). */
  asServer: boolean;
  /** Client: ZMQ_PLAIN_USERNAME (at most 255 bytes). */
  username?: Uint8Array;
  /** Client: ZMQ_PLAIN_PASSWORD (at most 255 bytes). */
  password?: Uint8Array;
  /** Server: asks the ZAP handler; without one every client is refused. */
  zap?: ZapCheck;
}

const enum St {
  Start,
  Welcome, // client: HELLO sent
  Ready, // client: INITIATE sent
  Hello, // server: waiting for HELLO
  Initiate, // server: WELCOME sent
  Done,
}

// ERROR, or libzmq's "\x5eRROR" form rewritten as ERROR; else undefined.
function asError(body: Uint8Array): Uint8Array | undefined {
  if (isCommand(body, "ERROR")) return body;
  if (body.length < 6 || body[0] !== 0x5e || String.fromCharCode(...body.subarray(1, 5)) !== "RROR") return undefined;
  return encodeError(new TextDecoder().decode(body.subarray(6, 6 + body[5])));
}

const fail = (msg: string): never => {
  throw new HandshakeError(msg);
};
// A refused key or credential: reported as an authentication failure.
const failAuth = (msg: string): never => {
  throw authError(msg);
};

/**
 * The PLAIN security mechanism, client or server.
 *
 * @example
 * ```ts
 * import { PlainMechanism } from "./plain.ts";
 * const te = new TextEncoder();
 * const ctx = { socketType: "REQ", identity: new Uint8Array(0), peerAddress: "127.0.0.1:5555" };
 * const mech = new PlainMechanism(ctx, { asServer: false, username: te.encode("admin"), password: te.encode("secret") });
 * const [hello] = mech.start().send;
 * console.log(hello.length); // 6 + 1 + 5 + 1 + 6 = 19
 * ```
 */
export class PlainMechanism implements Mechanism {
  readonly name = "PLAIN";
  readonly asServer: boolean;
  #ctx: MechanismContext;
  #opts: PlainOptions;
  #state = St.Start;
  #zap: ZapOutcome | undefined;

  /**
   * @param ctx The socket's handshake context (metadata).
   * @param opts Role, credentials and the ZAP check.
   */
  constructor(ctx: MechanismContext, opts: PlainOptions) {
    this.#ctx = ctx;
    this.#opts = opts;
    this.asServer = opts.asServer;
  }

  // libzmq 4.3 sends as-server 0 in every greeting, so the peer's bit
  // tells nothing; a role mix-up shows as an unexpected command.
  start(): HandshakeStep {
    if (this.asServer) {
      this.#state = St.Hello;
      return { send: [] };
    }
    const user = this.#opts.username ?? new Uint8Array(0);
    const pass = this.#opts.password ?? new Uint8Array(0);
    if (user.length > 255 || pass.length > 255) failAuth("PLAIN credentials are limited to 255 bytes each");
    const data = new Uint8Array(2 + user.length + pass.length);
    data[0] = user.length;
    data.set(user, 1);
    data[1 + user.length] = pass.length;
    data.set(pass, 2 + user.length);
    this.#state = St.Welcome;
    return { send: [encodeCommand("HELLO", data)] };
  }

  receive(body: Uint8Array): HandshakeStep | Promise<HandshakeStep> {
    switch (this.#state) {
      case St.Hello:
        return this.#hello(body);
      case St.Initiate: {
        if (!isCommand(body, "INITIATE")) fail(`expected PLAIN INITIATE, got ${parseCommand(body).name}`);
        const properties = parseMetadata(body.subarray(9));
        this.#state = St.Done;
        return { send: [this.#command("READY")], done: zapDone(properties, this.#zap) };
      }
      case St.Welcome:
        if (asError(body)) peerRefused(asError(body)!);
        if (!isCommand(body, "WELCOME") || body.length !== 8) fail("expected an empty PLAIN WELCOME");
        this.#state = St.Ready;
        return { send: [this.#command("INITIATE")] };
      case St.Ready:
        if (asError(body)) peerRefused(asError(body)!);
        if (!isCommand(body, "READY")) fail(`expected PLAIN READY, got ${parseCommand(body).name}`);
        this.#state = St.Done;
        return { send: [], done: { properties: parseMetadata(body.subarray(6)) } };
      default:
        return fail(`unexpected ${parseCommand(body).name} command in PLAIN handshake`);
    }
  }

  async #hello(body: Uint8Array): Promise<HandshakeStep> {
    if (!isCommand(body, "HELLO")) fail(`expected PLAIN HELLO, got ${parseCommand(body).name}`);
    // username and password, each with a one-octet length, and nothing after.
    const ulen = body[6];
    const plen = body[7 + ulen];
    if (body.length < 7 || 7 + ulen >= body.length || body.length !== 8 + ulen + plen) {
      failAuth("malformed PLAIN HELLO credentials");
    }
    const zap = this.#opts.zap;
    if (zap === undefined) {
      failAuth("PLAIN server has no ZAP authenticator installed, so no credentials can be checked");
    }
    const o = await zap!("PLAIN", [body.slice(7, 7 + ulen), body.slice(8 + ulen)]);
    if (o.statusCode !== "200") return zapRefused(o);
    this.#zap = o;
    this.#state = St.Initiate;
    return { send: [encodeCommand("WELCOME")] };
  }

  #command(name: "READY" | "INITIATE"): Uint8Array {
    return encodeCommand(name, encodeMetadata(readyProperties(this.#ctx)));
  }
}
