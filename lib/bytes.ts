// Byte helpers shared by the codec and the routing tables.

/**
 * Bytes `start..end` as a string of one char per byte (Latin-1): ASCII names
 * on the wire, and byte strings as Map keys.
 */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}
