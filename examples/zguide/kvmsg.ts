// The clone pattern's key-value message (zguide chapter 5, "Working with
// Distributed Property"; kvsimple): three frames, the key, the sequence
// number as 8 bytes big-endian, and the body. An empty body deletes the key.
import type { MessageLike } from "../../mod.ts";

export interface KvMsg {
  key: string;
  sequence: bigint;
  body: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function kvFrames(m: KvMsg): MessageLike[] {
  const seq = new Uint8Array(8);
  new DataView(seq.buffer).setBigUint64(0, m.sequence);
  return [m.key, seq, m.body];
}

export function kvParse([key, seq, body]: Uint8Array[]): KvMsg {
  if (key === undefined || seq?.length !== 8 || body === undefined) throw new Error("Malformed kvmsg");
  return { key: decoder.decode(key), sequence: new DataView(seq.buffer, seq.byteOffset, 8).getBigUint64(0), body };
}

export const kv = (key: string, sequence: bigint, body: string): KvMsg => ({
  key,
  sequence,
  body: encoder.encode(body),
});
