// The Majordomo Protocol, MDP/0.1 (zguide chapter 4, "Service-Oriented
// Reliable Queuing"; RFC 7/MDP): its frames, and the two APIs the guide
// builds on them, the client's (mdcliapi) and the worker's (mdwrkapi).
import { setTimeout as sleep } from "node:timers/promises";
import { Dealer, type MessageLike, Request } from "../../mod.ts";

/** The first frame of every client message, and of the broker's replies to clients. */
export const MDPC_CLIENT = "MDPC01";
/** The first frame (after the empty delimiter) of every worker message. */
export const MDPW_WORKER = "MDPW01";
/** The worker commands: one byte, the frame after MDPW01. */
export const MDPW_READY = "\x01";
export const MDPW_REQUEST = "\x02";
export const MDPW_REPLY = "\x03";
export const MDPW_HEARTBEAT = "\x04";
export const MDPW_DISCONNECT = "\x05";
export const COMMAND_NAMES: Record<string, string> = {
  [MDPW_READY]: "READY",
  [MDPW_REQUEST]: "REQUEST",
  [MDPW_REPLY]: "REPLY",
  [MDPW_HEARTBEAT]: "HEARTBEAT",
  [MDPW_DISCONNECT]: "DISCONNECT",
};

const decoder = new TextDecoder();
export const text = (frame: Uint8Array): string => decoder.decode(frame);

/** A client: one request at a time, resent on a fresh socket when no reply comes (Lazy Pirate). */
export class MajordomoClient {
  #socket: Request | null = null;

  constructor(readonly broker: string, readonly timeout = 2500, readonly retries = 3) {}

  /** Sends a request to a service; its reply's body, or null when the broker does not answer. */
  async send(service: string, ...body: MessageLike[]): Promise<Uint8Array[] | null> {
    for (let left = this.retries; left > 0; left--) {
      this.#socket ??= this.#connect();
      await this.#socket.send([MDPC_CLIENT, service, ...body]);
      try {
        const [header, replyService, ...reply] = await this.#socket.receive({
          signal: AbortSignal.timeout(this.timeout),
        });
        if (text(header) !== MDPC_CLIENT || text(replyService) !== service) throw new Error("Malformed reply");
        return reply;
      } catch (err) {
        if ((err as Error).name !== "TimeoutError") throw err;
        console.log("W: no reply, reconnecting...");
        // A REQ that got no reply cannot send again: start over.
        this.#socket.close();
        this.#socket = null;
      }
    }
    console.log("W: permanent error, abandoning");
    return null;
  }

  close(): void {
    this.#socket?.close();
  }

  #connect(): Request {
    const socket = new Request({ linger: 0 });
    socket.connect(this.broker);
    return socket;
  }
}

/** How a worker answers one request: the reply's frames. */
export type Handler = (request: Uint8Array[]) => MessageLike[] | Promise<MessageLike[]>;

/** A worker for one service: heartbeats, and reconnects when the broker goes silent. */
export class MajordomoWorker {
  #socket: Dealer | null = null;
  #liveness = 0;
  #heartbeatAt = 0;

  constructor(
    readonly broker: string,
    readonly service: string,
    readonly heartbeat = 2500,
    readonly reconnect = 2500,
    readonly liveness = 3,
  ) {}

  /** Answers requests with `handler` until the signal aborts. */
  async serve(handler: Handler, signal: AbortSignal): Promise<void> {
    await this.#connect();
    while (!signal.aborted) {
      let message: Uint8Array[] | null = null;
      try {
        message = await this.#socket!.receive({
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.heartbeat)]),
        });
      } catch (err) {
        if (signal.aborted) break;
        if ((err as Error).name !== "TimeoutError") throw err;
      }
      if (message !== null) {
        this.#liveness = this.liveness;
        const [, header, command, ...rest] = message;
        if (text(header) !== MDPW_WORKER) {
          console.log(`E: invalid message: ${message.map(text).join(" | ")}`);
        } else if (text(command) === MDPW_REQUEST) {
          // [client, "", body...]: the reply goes back with the client's address.
          const [client, , ...body] = rest;
          const reply = await handler(body);
          await this.#send(MDPW_REPLY, client, "", ...reply);
        } else if (text(command) === MDPW_DISCONNECT) {
          await this.#connect();
        } else if (text(command) !== MDPW_HEARTBEAT) {
          console.log(`E: invalid command: ${COMMAND_NAMES[text(command)] ?? text(command)}`);
        }
      } else if (--this.#liveness === 0) {
        console.log("W: disconnected from broker - retrying...");
        await sleep(this.reconnect, undefined, { signal }).catch(() => {});
        if (!signal.aborted) await this.#connect();
      }
      if (Date.now() > this.#heartbeatAt) await this.#send(MDPW_HEARTBEAT);
    }
    if (this.#socket !== null) {
      await this.#send(MDPW_DISCONNECT);
      this.#socket.close();
    }
  }

  async #connect(): Promise<void> {
    this.#socket?.close();
    this.#socket = new Dealer({ linger: 1000 });
    this.#socket.connect(this.broker);
    await this.#send(MDPW_READY, this.service);
    this.#liveness = this.liveness;
  }

  async #send(command: string, ...rest: MessageLike[]): Promise<void> {
    this.#heartbeatAt = Date.now() + this.heartbeat;
    await this.#socket!.send(["", MDPW_WORKER, command, ...rest]);
  }
}
