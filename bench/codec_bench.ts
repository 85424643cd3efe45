// Micro-benchmarks of the ZMTP codec and the engine's send/receive paths,
// with no sockets or runtime I/O in the way.
//
//   deno run -A bench/codec_bench.ts      bun bench/codec_bench.ts
//   node .tmp/bench-js/bench/codec_bench.js   (compiled by bench/run.ts, or tsc)
//
// Decoding: one chunk of many small frames (the common case: a read that
// holds a batch), the same bytes fed one byte at a time (the worst case for
// the carry-over paths), and long frames whole and split. Encoding: the
// header writer in a loop, encodeFrame() per message, and a real Engine
// flushing a batch into one write. Receiving: a real Engine turning a chunk
// into messages in its pipe.

import { bench, do_not_optimize, group, run, summary } from "mitata";
import { encodeFrame, FrameDecoder, headerSize, MORE, writeHeader } from "../lib/zmtp/frame.ts";
import { Engine, type EngineHost, type EngineLike } from "../lib/engine.ts";
import { Pipe, type PipeOwner } from "../lib/pipe.ts";
import type { Connection, ConnectionHandler } from "../lib/transport.ts";
import { NullMechanism } from "../lib/zmtp/mechanisms/null.ts";

const BATCH = 1000;

/** The wire bytes of `n` single-frame messages of `size` bytes. */
function wire(n: number, size: number): Uint8Array {
  const body = new Uint8Array(size).fill(7);
  const out = new Uint8Array(n * (headerSize(size) + size));
  let at = 0;
  for (let i = 0; i < n; i++) {
    at = writeHeader(out, at, 0, size);
    out.set(body, at);
    at += size;
  }
  return out;
}

let frames = 0;
let bytes = 0;
const count = (_flags: number, body: Uint8Array) => {
  frames++;
  bytes += body.length;
};

// -- an Engine pair over in-memory connections -----------------------------

class MemConnection implements Connection {
  readonly remoteAddress = "memory";
  handler: ConnectionHandler | null = null;
  peer: MemConnection | null = null;
  /** After the handshake: writes are counted, not delivered. */
  sink = false;
  sunk = 0;
  writes = 0;
  #queue: Uint8Array[] = [];

  start(h: ConnectionHandler): void {
    this.handler = h;
  }
  write(chunk: Uint8Array): boolean {
    if (this.sink) {
      this.sunk += chunk.length;
      this.writes++;
    } else this.#queue.push(chunk);
    return true;
  }
  /** Delivers queued writes to the peer; true if there were any. */
  pump(): boolean {
    const q = this.#queue.splice(0);
    for (const c of q) this.peer!.handler!.onData(c);
    return q.length > 0;
  }
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {}
}

const owner: PipeOwner = {
  // Take each message as a receiving socket would.
  pipeReadable: (pipe: Pipe) => do_not_optimize(pipe.read()),
  pipeWritable: () => {},
  lastMetadata: undefined,
};

function enginePair(): { sender: Engine; receiver: Engine; sendPipe: Pipe; toSink: MemConnection } {
  const host: EngineHost = {
    engineReady: (_e: EngineLike) => new Pipe(owner, "memory", 0, 0),
    engineClosed: () => {},
  };
  const opts = {
    maxMessageSize: -1,
    handshakeInterval: 0,
    heartbeatInterval: 0,
    heartbeatTimeout: 0,
    heartbeatTimeToLive: 0,
  };
  const a = new MemConnection(), b = new MemConnection();
  a.peer = b;
  b.peer = a;
  const mech = (socketType: string) => new NullMechanism({ socketType, identity: undefined, peerAddress: "memory" });
  const sender = new Engine(a, "memory", mech("PUSH"), host, opts);
  const receiver = new Engine(b, "memory", mech("PULL"), host, opts);
  sender.start();
  receiver.start();
  for (let i = 0; i < 20 && (a.pump() || b.pump()); i++);
  if (!sender.ready || !receiver.ready) throw new Error("in-memory handshake did not complete");
  a.sink = true;
  return { sender, receiver, sendPipe: sender.pipe!, toSink: a };
}

// -- decoding ----------------------------------------------------------------

const small = wire(BATCH, 64);
const tiny = wire(BATCH, 1);
const fewSmall = wire(100, 64);
const long = wire(16, 65536);
const decoder = new FrameDecoder(count);

summary(() => {
  group("decode", () => {
    bench(`FrameDecoder.push: one chunk of ${BATCH} x 64 B frames`, () => decoder.push(small));
    bench(`FrameDecoder.push: one chunk of ${BATCH} x 1 B frames`, () => decoder.push(tiny));
    bench("FrameDecoder.push: 100 x 64 B frames, 1-byte chunks", () => {
      for (let i = 0; i < fewSmall.length; i++) decoder.push(fewSmall.subarray(i, i + 1));
    });
    bench("FrameDecoder.push: 16 x 64 KiB frames in one chunk", () => decoder.push(long));
    bench("FrameDecoder.push: 16 x 64 KiB frames in 16 KiB chunks", () => {
      for (let i = 0; i < long.length; i += 16384) decoder.push(long.subarray(i, i + 16384));
    });
  });
});

// -- encoding ----------------------------------------------------------------

const body64 = new Uint8Array(64).fill(1);
const body64k = new Uint8Array(65536).fill(1);
const batchOut = new Uint8Array(BATCH * (2 + 64));

summary(() => {
  group("encode", () => {
    bench(`writeHeader + set: ${BATCH} x 64 B into one buffer`, () => {
      let at = 0;
      for (let i = 0; i < BATCH; i++) {
        at = writeHeader(batchOut, at, 0, 64);
        batchOut.set(body64, at);
        at += 64;
      }
      do_not_optimize(at);
    });
    bench(`encodeFrame: ${BATCH} x 64 B, one array each`, () => {
      for (let i = 0; i < BATCH; i++) do_not_optimize(encodeFrame(0, body64));
    });
    bench(`encodeFrame: ${BATCH} x 2-part (MORE) 64 B`, () => {
      for (let i = 0; i < BATCH; i++) {
        do_not_optimize(encodeFrame(MORE, body64));
        do_not_optimize(encodeFrame(0, body64));
      }
    });
    bench("encodeFrame: 16 x 64 KiB", () => {
      for (let i = 0; i < 16; i++) do_not_optimize(encodeFrame(0, body64k));
    });
  });
});

// -- the engine ----------------------------------------------------------------

const { receiver, sendPipe, toSink } = enginePair();
// deno-lint-ignore no-explicit-any
const onData = (receiver.conn as any).handler as ConnectionHandler;
const msg64 = [body64];

summary(() => {
  group("engine", () => {
    bench(`Engine flush: ${BATCH} x 64 B queued, then one tick`, async () => {
      for (let i = 0; i < BATCH; i++) sendPipe.write(msg64);
      // The flush was queued as a microtask by the first write; it runs first.
      await null;
    });
    bench(`Engine flush: ${BATCH} x 64 B, a tick after each (await send() in a loop)`, async () => {
      for (let i = 0; i < BATCH; i++) {
        sendPipe.write(msg64);
        await null;
      }
    });
    bench(`Engine receive: one chunk of ${BATCH} x 64 B into the pipe`, () => onData.onData(small));
  });
});

await run();
console.log(
  `(decoded ${frames} frames, ${bytes} bytes; the engine wrote ${toSink.sunk} bytes in ${toSink.writes} writes)`,
);
