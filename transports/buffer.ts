/**
 * Received frames as Node Buffers: importing this module makes every frame
 * a socket receives a `Buffer` view over the received bytes (no copy), as
 * zeromq.js gives them, so `frame.toString()` is the text. mod.ts imports
 * it on Deno, Bun and Node; browser.ts does not (plain Uint8Array there).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { useFrameView } from "../lib/frames.ts";

useFrameView((b, o, n) => Buffer.from(b as ArrayBuffer, o, n), (u) => Buffer.isBuffer(u));
