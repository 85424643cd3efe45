/**
 * How the `zmtp` CLI reads messages from stdin and writes them to stdout:
 *
 * - `lines`: one message per line ("\n", a "\r" before it is dropped);
 * - `nul`: one message per NUL-terminated record;
 * - `length-prefixed`: binary, each frame a 4-byte big-endian length and its
 *   bytes; the length's top bit set means another frame of the same message
 *   follows (as ZMTP's MORE flag), so a single-frame message is just
 *   length + bytes;
 * - `json`: one JSON array of frames per line (stdin also takes a bare
 *   string), each frame text, hex or base64 by the encoding.
 *
 * With a separator, a `lines` or `nul` record is split into frames at it on
 * input, and frames are joined with it on output (a tab when none was given).
 * Pure: bytes in, messages out.
 *
 * @module
 */

import { UsageError } from "./args.ts";

/** The message formats. */
export const FORMATS = ["lines", "nul", "length-prefixed", "json"] as const;
/** One message format. */
export type Format = typeof FORMATS[number];
/** The encodings of frames in JSON. */
export const ENCODINGS = ["text", "hex", "base64"] as const;
/** One frame encoding. */
export type Encoding = typeof ENCODINGS[number];

/** The format settings. */
export interface FormatOptions {
  format: Format;
  /** Splits (input) and joins (output) the frames of a `lines`/`nul` record. */
  separator?: string;
  encoding: Encoding;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Frames of a multipart message are joined with this on output when no separator was given. */
export const DEFAULT_JOIN = "\t";
const MORE = 0x80000000;
const MAX_FRAME = 0x7fffffff;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  if (needle.length === 1) return hay.indexOf(needle[0], from);
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function split(record: Uint8Array, sep: Uint8Array | undefined): Uint8Array[] {
  if (sep === undefined || sep.length === 0) return [record];
  const out: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const i = indexOf(record, sep, at);
    if (i < 0) break;
    out.push(record.slice(at, i));
    at = i + sep.length;
  }
  out.push(record.slice(at));
  return out;
}

/**
 * A frame as a JSON string in an encoding.
 *
 * @param frame The bytes.
 * @param encoding text, hex or base64.
 * @returns The string.
 */
export function encodeFrame(frame: Uint8Array, encoding: Encoding): string {
  if (encoding === "text") return decoder.decode(frame);
  if (encoding === "hex") return Array.from(frame, (b) => b.toString(16).padStart(2, "0")).join("");
  let bin = "";
  for (const b of frame) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * The bytes of a frame given as a JSON string in an encoding.
 *
 * @param text The string.
 * @param encoding text, hex or base64.
 * @returns The bytes.
 * @throws {SyntaxError} For hex or base64 that is malformed.
 */
export function decodeFrame(text: string, encoding: Encoding): Uint8Array {
  if (encoding === "text") return encoder.encode(text);
  if (encoding === "hex") {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new SyntaxError(`Invalid hex frame '${text}'`);
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  let bin: string;
  try {
    bin = atob(text);
  } catch {
    throw new SyntaxError(`Invalid base64 frame '${text}'`);
  }
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * One message in a format, ready for stdout.
 *
 * @param frames The message's frames.
 * @param o The format settings.
 * @returns The bytes: the record and its terminator.
 */
export function encodeMessage(frames: readonly Uint8Array[], o: FormatOptions): Uint8Array {
  switch (o.format) {
    case "json":
      return encoder.encode(JSON.stringify(frames.map((f) => encodeFrame(f, o.encoding))) + "\n");
    case "length-prefixed": {
      const size = frames.reduce((n, f) => n + 4 + f.length, 0);
      const out = new Uint8Array(size);
      const view = new DataView(out.buffer);
      let at = 0;
      frames.forEach((f, i) => {
        if (f.length > MAX_FRAME) throw new RangeError("A frame is too large for the length-prefixed format");
        view.setUint32(at, (f.length | (i < frames.length - 1 ? MORE : 0)) >>> 0);
        out.set(f, at + 4);
        at += 4 + f.length;
      });
      return out;
    }
    default: {
      const join = encoder.encode(o.separator ?? DEFAULT_JOIN);
      const end = o.format === "nul" ? 0 : 0x0a;
      const size = frames.reduce((n, f) => n + f.length, 0) + join.length * Math.max(0, frames.length - 1) + 1;
      const out = new Uint8Array(size);
      let at = 0;
      frames.forEach((f, i) => {
        if (i > 0) {
          out.set(join, at);
          at += join.length;
        }
        out.set(f, at);
        at += f.length;
      });
      out[at] = end;
      return out;
    }
  }
}

/**
 * Splits a byte stream into messages, chunk by chunk.
 *
 * @example
 * ```ts
 * import { MessageDecoder } from "./formats.ts";
 * const d = new MessageDecoder({ format: "lines", encoding: "text" });
 * console.log(d.push(new TextEncoder().encode("a\nb")).length); // 1
 * console.log(d.end().length); // 1
 * ```
 */
export class MessageDecoder {
  #o: FormatOptions;
  #sep: Uint8Array | undefined;
  #buf: Uint8Array = new Uint8Array(0);
  #frames: Uint8Array[] = [];

  /** @param o The format settings. */
  constructor(o: FormatOptions) {
    this.#o = o;
    this.#sep = o.separator === undefined ? undefined : encoder.encode(o.separator);
  }

  /**
   * Takes the next chunk of the stream.
   *
   * @param chunk The bytes.
   * @returns The messages it completed.
   * @throws {SyntaxError} For a malformed JSON line.
   */
  push(chunk: Uint8Array): Uint8Array[][] {
    this.#buf = concat(this.#buf, chunk);
    return this.#drain(false);
  }

  /**
   * Ends the stream.
   *
   * @returns The last message, if a record was left unterminated.
   * @throws {SyntaxError} When a length-prefixed frame was cut short.
   */
  end(): Uint8Array[][] {
    const out = this.#drain(true);
    if (this.#o.format === "length-prefixed" && (this.#buf.length > 0 || this.#frames.length > 0)) {
      throw new SyntaxError("The input ends inside a length-prefixed message");
    }
    return out;
  }

  #drain(eof: boolean): Uint8Array[][] {
    const out: Uint8Array[][] = [];
    const buf = this.#buf;
    let at = 0;
    if (this.#o.format === "length-prefixed") {
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      while (buf.length - at >= 4) {
        const word = view.getUint32(at);
        const len = word & MAX_FRAME;
        if (buf.length - at - 4 < len) break;
        this.#frames.push(buf.slice(at + 4, at + 4 + len));
        at += 4 + len;
        if ((word & MORE) === 0) {
          out.push(this.#frames);
          this.#frames = [];
        }
      }
    } else {
      const end = this.#o.format === "nul" ? 0 : 0x0a;
      for (;;) {
        let i = buf.indexOf(end, at);
        if (i < 0) {
          if (!eof || at >= buf.length) break;
          i = buf.length;
        }
        let record = buf.subarray(at, i);
        at = Math.min(i + 1, buf.length);
        if (end === 0x0a && record.length > 0 && record[record.length - 1] === 0x0d) {
          record = record.subarray(0, record.length - 1);
        }
        out.push(this.#record(record));
        if (i === buf.length) break;
      }
    }
    this.#buf = at === 0 ? buf : buf.slice(at);
    return out;
  }

  #record(record: Uint8Array): Uint8Array[] {
    if (this.#o.format !== "json") return split(record, this.#sep);
    const text = decoder.decode(record);
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new SyntaxError(`Invalid JSON message: ${text}`);
    }
    const list = typeof v === "string" ? [v] : v;
    if (!Array.isArray(list) || !list.every((f) => typeof f === "string")) {
      throw new SyntaxError(`A JSON message must be a string or an array of strings: ${text}`);
    }
    return list.map((f) => decodeFrame(f, this.#o.encoding));
  }
}

/**
 * The format settings a command line asks for.
 *
 * @param options `format`, `json`, `separator` and `encoding` as parsed.
 * @param command The command, for the error.
 * @returns The input and output settings (they differ only with `--json`).
 * @throws {UsageError} For an unknown format or encoding.
 */
export function formatOptions(
  options: Record<string, unknown>,
  command: string,
): { input: FormatOptions; output: FormatOptions } {
  const format = (options.format ?? "lines") as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`Unknown format '${format}' (lines, nul, length-prefixed or json)`, command);
  }
  const encoding = (options.encoding ?? "text") as Encoding;
  if (!ENCODINGS.includes(encoding)) {
    throw new UsageError(`Unknown encoding '${encoding}' (text, hex or base64)`, command);
  }
  const separator = typeof options.separator === "string" ? unescape(options.separator) : undefined;
  if (separator === "") throw new UsageError("The separator must not be empty", command);
  const input: FormatOptions = { format, separator, encoding };
  const output: FormatOptions = options.json === true ? { ...input, format: "json" } : input;
  return { input, output };
}

/** `\t`, `\n`, `\0` and `\\` in a separator given on the command line. */
function unescape(s: string): string {
  return s.replace(/\\([tn0\\])/g, (_, c) => c === "t" ? "\t" : c === "n" ? "\n" : c === "0" ? "\0" : "\\");
}
