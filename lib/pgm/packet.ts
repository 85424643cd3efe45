/**
 * PGM packets (RFC 3208) as they travel inside UDP for `epgm://`: the
 * 16-byte common header, SPM, ODATA/RDATA, NAK/NCF and SPMR bodies, the
 * options this implementation reads and writes (OPT_LENGTH, OPT_FRAGMENT,
 * OPT_NAK_LIST, OPT_FIN), and the Internet checksum over the whole packet.
 * IPv4 network-layer addresses only (AFI 1). Parsing never throws: a bad
 * packet comes back as a reason string, for the caller to count and drop.
 *
 * @module
 */

/** Packet types (RFC 3208 §8). */
export const SPM = 0x00;
export const ODATA = 0x04;
export const RDATA = 0x05;
export const NAK = 0x08;
export const NNAK = 0x09;
export const NCF = 0x0a;
export const SPMR = 0x0c;

/** Option types (RFC 3208 §9). */
export const OPT_LENGTH = 0x00;
export const OPT_FRAGMENT = 0x01;
export const OPT_NAK_LIST = 0x02;
export const OPT_FIN = 0x0e;
const OPT_END = 0x80;

/** Header flags. */
const FLAG_PARITY = 0x80;
const FLAG_OPT_PRESENT = 0x01;
const FLAG_NETWORK = 0x02;

/** Size of the common header. */
export const HEADER_SIZE = 16;
/** Size of the ODATA/RDATA body before options and data. */
export const DATA_HEADER_SIZE = 8;
/** Most sequence numbers a NAK names: its own and 62 in OPT_NAK_LIST. */
export const MAX_NAK_LIST = 62;
/** IPv4 and UDP headers, counted in the TPDU size as OpenPGM does. */
export const IP_UDP_HEADERS = 28;

/** The largest TSDU in one ODATA without fragmentation, for a maximum TPDU of `maxTpdu` bytes (OpenPGM's PGM_MSS). */
export function maxTsdu(maxTpdu: number): number {
  return maxTpdu - IP_UDP_HEADERS - HEADER_SIZE - DATA_HEADER_SIZE;
}

/** The largest TSDU in one fragment: an ODATA with OPT_LENGTH and OPT_FRAGMENT. */
export function maxFragmentTsdu(maxTpdu: number): number {
  return maxTsdu(maxTpdu) - 4 - 16;
}

/** A fragment's place in its APDU (OPT_FRAGMENT). */
export interface Fragment {
  /** Sequence number of the APDU's first fragment. */
  readonly first: number;
  readonly offset: number;
  /** The APDU's total length. */
  readonly length: number;
}

interface Common {
  /** Source port: the TSI's port downstream, the session's destination port upstream. */
  readonly sport: number;
  readonly dport: number;
  /** Global source id, 6 bytes. */
  readonly gsi: Uint8Array;
}

/** SPM: where the source is, and its window. */
export interface SpmPacket extends Common {
  readonly type: typeof SPM;
  readonly sqn: number;
  readonly trail: number;
  readonly lead: number;
  /** The source's unicast address, where NAKs go. */
  readonly nla: string;
  /** OPT_FIN: the source is going away. */
  readonly fin: boolean;
}

/** ODATA or RDATA: one TSDU (an APDU, or a fragment of one). */
export interface DataPacket extends Common {
  readonly type: typeof ODATA | typeof RDATA;
  readonly sqn: number;
  readonly trail: number;
  readonly fragment?: Fragment;
  readonly data: Uint8Array;
}

/** NAK, N-NAK or NCF: the sequence numbers asked for (or confirmed). */
export interface NakPacket extends Common {
  readonly type: typeof NAK | typeof NNAK | typeof NCF;
  /** First the header's, then OPT_NAK_LIST's. */
  readonly sqns: number[];
  /** The source's address, as the receiver has it. */
  readonly sourceNla: string;
  /** The multicast group. */
  readonly groupNla: string;
}

/** SPMR: a receiver asks for an SPM. */
export interface SpmrPacket extends Common {
  readonly type: typeof SPMR;
}

/** A parsed packet. */
export type Packet = SpmPacket | DataPacket | NakPacket | SpmrPacket;

/**
 * The Internet checksum (RFC 1071) of `b`, as PGM carries it: 0 means
 * "no checksum", so a computed 0 is sent as 0xffff.
 *
 * @param b The packet, with its checksum field zero.
 * @returns The value for the checksum field.
 */
export function checksum(b: Uint8Array): number {
  let sum = 0;
  const n = b.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (b.length & 1) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum === 0xffff ? 0xffff : ~sum & 0xffff;
}

function writeHeader(b: Uint8Array, c: Common, type: number, flags: number, tsduLength: number): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint16(0, c.sport);
  v.setUint16(2, c.dport);
  b[4] = type;
  b[5] = flags;
  v.setUint16(6, 0);
  b.set(c.gsi.subarray(0, 6), 8);
  v.setUint16(14, tsduLength);
}

function seal(b: Uint8Array): Uint8Array {
  const sum = checksum(b);
  b[6] = sum >> 8;
  b[7] = sum & 0xff;
  return b;
}

function ipv4(text: string): number[] {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) {
    throw new TypeError(`Not an IPv4 address: ${text}`);
  }
  return parts;
}

function writeNla(b: Uint8Array, at: number, addr: string): void {
  b[at] = 0;
  b[at + 1] = 1; // AFI_IP
  b[at + 2] = 0;
  b[at + 3] = 0;
  b.set(ipv4(addr), at + 4);
}

/**
 * An SPM.
 *
 * @param c Ports and GSI.
 * @param sqn SPM sequence number.
 * @param trail Trailing edge of the transmit window.
 * @param lead Leading edge (the last ODATA sent).
 * @param nla The source's unicast address.
 * @param fin Adds OPT_FIN (the session ends).
 * @returns The packet.
 */
export function encodeSpm(c: Common, sqn: number, trail: number, lead: number, nla: string, fin = false): Uint8Array {
  const opts = fin ? 4 + 4 : 0;
  const b = new Uint8Array(HEADER_SIZE + 20 + opts);
  writeHeader(b, c, SPM, fin ? FLAG_OPT_PRESENT | FLAG_NETWORK : 0, 0);
  const v = new DataView(b.buffer);
  v.setUint32(16, sqn >>> 0);
  v.setUint32(20, trail >>> 0);
  v.setUint32(24, lead >>> 0);
  writeNla(b, 28, nla);
  if (fin) {
    b.set([OPT_LENGTH, 4, 0, opts], 36);
    b.set([OPT_FIN | OPT_END, 4, 0, 0], 40);
  }
  return seal(b);
}

/**
 * An ODATA or RDATA packet.
 *
 * @param c Ports and GSI.
 * @param type ODATA or RDATA.
 * @param sqn The packet's sequence number.
 * @param trail Trailing edge of the transmit window.
 * @param data The TSDU.
 * @param fragment Adds OPT_FRAGMENT.
 * @returns The packet.
 */
export function encodeData(
  c: Common,
  type: typeof ODATA | typeof RDATA,
  sqn: number,
  trail: number,
  data: Uint8Array,
  fragment?: Fragment,
): Uint8Array {
  const opts = fragment ? 4 + 16 : 0;
  const b = new Uint8Array(HEADER_SIZE + DATA_HEADER_SIZE + opts + data.length);
  writeHeader(b, c, type, fragment ? FLAG_OPT_PRESENT | FLAG_NETWORK : 0, data.length);
  const v = new DataView(b.buffer);
  v.setUint32(16, sqn >>> 0);
  v.setUint32(20, trail >>> 0);
  if (fragment) {
    b.set([OPT_LENGTH, 4, 0, opts], 24);
    b.set([OPT_FRAGMENT | OPT_END, 16, 0, 0], 28);
    v.setUint32(32, fragment.first >>> 0);
    v.setUint32(36, fragment.offset);
    v.setUint32(40, fragment.length);
  }
  b.set(data, HEADER_SIZE + DATA_HEADER_SIZE + opts);
  return seal(b);
}

/**
 * A NAK (receiver to source, unicast) or an NCF (source to group).
 *
 * @param c Ports and GSI (of the source, whichever way it goes).
 * @param type NAK or NCF.
 * @param sqns Sequence numbers, 1 to 63; past the first they go in OPT_NAK_LIST.
 * @param sourceNla The source's unicast address.
 * @param groupNla The multicast group.
 * @returns The packet.
 */
export function encodeNak(
  c: Common,
  type: typeof NAK | typeof NCF,
  sqns: readonly number[],
  sourceNla: string,
  groupNla: string,
): Uint8Array {
  const extra = Math.min(sqns.length - 1, MAX_NAK_LIST);
  const opts = extra > 0 ? 4 + 4 + 4 * extra : 0;
  const b = new Uint8Array(HEADER_SIZE + 20 + opts);
  writeHeader(b, c, type, opts > 0 ? FLAG_OPT_PRESENT | FLAG_NETWORK : 0, 0);
  const v = new DataView(b.buffer);
  v.setUint32(16, sqns[0] >>> 0);
  writeNla(b, 20, sourceNla);
  writeNla(b, 28, groupNla);
  if (opts > 0) {
    b.set([OPT_LENGTH, 4], 36);
    v.setUint16(38, opts);
    b.set([OPT_NAK_LIST | OPT_END, 4 + 4 * extra, 0, 0], 40);
    for (let i = 0; i < extra; i++) v.setUint32(44 + 4 * i, sqns[1 + i] >>> 0);
  }
  return seal(b);
}

/**
 * An SPMR (receiver to source): asks for an SPM, to learn where NAKs go.
 *
 * @param c Ports (swapped, as upstream) and the source's GSI.
 * @returns The packet.
 */
export function encodeSpmr(c: Common): Uint8Array {
  const b = new Uint8Array(HEADER_SIZE);
  writeHeader(b, c, SPMR, 0, 0);
  return seal(b);
}

function readNla(b: Uint8Array, at: number): string | null {
  if (b[at] !== 0 || b[at + 1] !== 1) return null;
  return `${b[at + 4]}.${b[at + 5]}.${b[at + 6]}.${b[at + 7]}`;
}

interface Options {
  fragment?: Fragment;
  nakList?: number[];
  fin: boolean;
  /** Where the options end. */
  end: number;
}

// Walks the option chain that starts at `at` with OPT_LENGTH; every length
// is checked against the packet before anything is read.
function readOptions(b: Uint8Array, v: DataView, at: number): Options | string {
  if (at + 4 > b.length) return "options past the end";
  if ((b[at] & 0x7f) !== OPT_LENGTH || b[at + 1] !== 4) return "options without OPT_LENGTH";
  const total = v.getUint16(at + 2);
  const end = at + total;
  if (total < 8 || end > b.length) return `bad options length ${total}`;
  const out: Options = { fin: false, end };
  let p = at + 4;
  for (let count = 0; count < 16; count++) {
    if (p + 4 > end) return "option past the options' end";
    const type = b[p] & 0x7f;
    const len = b[p + 1];
    // Every option starts with 4 bytes: type, length, and two of flags.
    if (len < 4 || p + len > end) return `bad option length ${len}`;
    if (type === OPT_FRAGMENT) {
      if (len !== 16) return "bad OPT_FRAGMENT";
      out.fragment = { first: v.getUint32(p + 4), offset: v.getUint32(p + 8), length: v.getUint32(p + 12) };
    } else if (type === OPT_NAK_LIST) {
      if ((len - 4) % 4 !== 0 || (len - 4) / 4 > MAX_NAK_LIST) return "bad OPT_NAK_LIST";
      out.nakList = [];
      for (let q = p + 4; q < p + len; q += 4) out.nakList.push(v.getUint32(q));
    } else if (type === OPT_FIN) {
      out.fin = true;
    }
    if (b[p] & OPT_END) return out;
    p += len;
  }
  return "more than 16 options";
}

/**
 * Parses one UDP payload as a PGM packet and checks its checksum (which
 * ODATA and RDATA must have). Types this implementation does not use
 * (POLL, POLR, ACK, parity) come back as a reason too.
 *
 * @param b The datagram.
 * @returns The packet, or why it was dropped.
 */
export function parsePacket(b: Uint8Array): Packet | string {
  if (b.length < HEADER_SIZE) return `${b.length} bytes, shorter than a PGM header`;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const type = b[4];
  const flags = b[5];
  const sum = v.getUint16(6);
  if (sum !== 0) {
    const copy = b.slice();
    copy[6] = copy[7] = 0;
    if (checksum(copy) !== sum) return "bad checksum";
  } else if (type === ODATA || type === RDATA) {
    return "data without a checksum";
  }
  if (flags & FLAG_PARITY) return "parity packets are not supported";
  const c: Common = { sport: v.getUint16(0), dport: v.getUint16(2), gsi: b.slice(8, 14) };
  const tsduLength = v.getUint16(14);
  const hasOpts = (flags & FLAG_OPT_PRESENT) !== 0;
  switch (type) {
    case SPM: {
      if (b.length < HEADER_SIZE + 20) return "short SPM";
      const nla = readNla(b, 28);
      if (nla === null) return "SPM with a non-IPv4 NLA";
      let fin = false;
      if (hasOpts) {
        const o = readOptions(b, v, 36);
        if (typeof o === "string") return o;
        fin = o.fin;
      }
      return { ...c, type, sqn: v.getUint32(16), trail: v.getUint32(20), lead: v.getUint32(24), nla, fin };
    }
    case ODATA:
    case RDATA: {
      if (b.length < HEADER_SIZE + DATA_HEADER_SIZE) return "short data packet";
      let start = HEADER_SIZE + DATA_HEADER_SIZE;
      let fragment: Fragment | undefined;
      if (hasOpts) {
        const o = readOptions(b, v, start);
        if (typeof o === "string") return o;
        start = o.end;
        fragment = o.fragment;
      }
      if (start + tsduLength !== b.length) return `TSDU length ${tsduLength} does not match the packet`;
      if (fragment && (fragment.offset + tsduLength > fragment.length || fragment.length > 0xffffffff)) {
        return "fragment past its APDU";
      }
      const data = b.subarray(start);
      return { ...c, type, sqn: v.getUint32(16), trail: v.getUint32(20), data, ...(fragment ? { fragment } : {}) };
    }
    case NAK:
    case NNAK:
    case NCF: {
      if (b.length < HEADER_SIZE + 20) return "short NAK";
      const sourceNla = readNla(b, 20);
      const groupNla = readNla(b, 28);
      if (sourceNla === null || groupNla === null) return "NAK with a non-IPv4 NLA";
      const sqns = [v.getUint32(16)];
      if (hasOpts) {
        const o = readOptions(b, v, 36);
        if (typeof o === "string") return o;
        if (o.nakList) sqns.push(...o.nakList);
      }
      return { ...c, type, sqns, sourceNla, groupNla };
    }
    case SPMR:
      return { ...c, type };
    default:
      return `unsupported packet type 0x${type.toString(16)}`;
  }
}

/** Sequence numbers wrap at 2^32: a before b, in serial arithmetic (RFC 1982). */
export function seqLess(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** b - a, for sequence numbers. */
export function seqDiff(a: number, b: number): number {
  return (b - a) | 0;
}
