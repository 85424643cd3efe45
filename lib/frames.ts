// The one rule for received frames: every frame a socket hands to the user
// is made by the process's frame view. Where the runtime has Node's Buffer
// (Node, Bun, Deno; registered by transports/buffer.ts, which mod.ts
// imports) that is a Buffer over the received bytes, as zeromq.js gives,
// so `frame.toString()` is the text; elsewhere (browser.ts) it is a plain
// Uint8Array. Either way a view, never a copy: the decoder builds frames
// with it directly, and receive() re-views only the frames that came from
// elsewhere (inproc, udp, ws, messages a socket type makes itself).

import type { Msg } from "./pipe.ts";
import type { FrameView } from "./zmtp/frame.ts";

export type { FrameView };

/** The plain view: a Uint8Array. */
export const plainView: FrameView = (buffer, offset, length) => new Uint8Array(buffer, offset, length);

let view: FrameView = plainView;
let isView = (u: Uint8Array): boolean => u.constructor === Uint8Array;

/**
 * Sets the class of received frames for the whole process (transports/buffer.ts: Buffer).
 *
 * @param make Builds a frame over bytes without copying.
 * @param test True for a frame that `make` could have made.
 * @example
 * ```ts
 * import { frameView, useFrameView } from "./frames.ts";
 * useFrameView((b, o, n) => new Uint8Array(b, o, n), (u) => u.constructor === Uint8Array);
 * console.log(frameView()(new ArrayBuffer(4), 1, 2).length); // 2
 * ```
 */
export function useFrameView(make: FrameView, test: (frame: Uint8Array) => boolean): void {
  view = make;
  isView = test;
}

/**
 * The process's frame view.
 *
 * @returns What the decoder builds received frames with.
 * @example
 * ```ts
 * import { frameView } from "./frames.ts";
 * console.log(frameView()(new ArrayBuffer(8), 0, 8).byteLength); // 8
 * ```
 */
export function frameView(): FrameView {
  return view;
}

/**
 * Re-views, in place, the frames of `msg` that the frame view did not make.
 *
 * @param msg A received message.
 * @returns `msg`, each frame now of the process's frame class.
 * @example
 * ```ts
 * import { asFrames } from "./frames.ts";
 * console.log(asFrames([new Uint8Array([104, 105])])[0].length); // 2
 * ```
 */
export function asFrames(msg: Msg): Msg {
  for (let i = 0; i < msg.length; i++) {
    const f = msg[i];
    if (!isView(f)) msg[i] = view(f.buffer, f.byteOffset, f.byteLength);
  }
  return msg;
}
