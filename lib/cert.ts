/**
 * czmq's CURVE certificates (zcert): a key pair plus metadata, kept as two
 * text files in ZPL (RFC 4/ZPL), the public file and the `_secret` file.
 * This is the text side, pure: {@link certFromText} reads what czmq's
 * zcert_save writes, {@link certToText} writes what czmq's zcert_load reads.
 * The file side (loadCert, saveCert, loadCertDirectory) is in
 * transports/cert_fs.ts.
 *
 * @module
 */

import { curveKeyPair } from "./security.ts";
import { z85Decode } from "./z85.ts";

/**
 * A CURVE certificate, as czmq's zcert holds it.
 *
 * @example
 * ```ts
 * import { type Cert, newCert } from "zmtp-zeromq";
 * const cert: Cert = newCert({ name: "Ann" });
 * console.log(cert.publicKey.length); // 40
 * ```
 */
export interface Cert {
  /** The public key, 40 characters of Z85. */
  publicKey: string;
  /** The secret key, 40 characters of Z85; absent in a public certificate. */
  secretKey?: string;
  /** Name to value, the `metadata` section. */
  metadata: Record<string, string>;
}

/** One item of a ZPL tree: a name, a value ("" for a bare name) and children. */
export interface ZplItem {
  name: string;
  value: string;
  children: ZplItem[];
}

/**
 * Makes a certificate with a new key pair, like czmq's zcert_new.
 *
 * @param metadata Name to value; names as {@link certToText} accepts them.
 * @returns The certificate.
 *
 * @example
 * ```ts
 * import { newCert } from "zmtp-zeromq";
 * const cert = newCert({ email: "ann@example.com" });
 * console.log(cert.secretKey?.length); // 40
 * ```
 */
export function newCert(metadata: Record<string, string> = {}): Cert {
  const { publicKey, secretKey } = curveKeyPair();
  return { publicKey, secretKey, metadata: { ...metadata } };
}

// ZPL as czmq's zconfig reads it: C's isspace, and the characters of a name.
const SPACE = /[ \t\n\v\f\r]/;
const NAME_CHAR = /[A-Za-z0-9$\-_@.&+/]/;
const NAME = /^[A-Za-z0-9$\-_@.&+/]+$/;

/**
 * Parses ZPL text (RFC 4/ZPL) the way czmq's zconfig does: lines indented by
 * 4 spaces per level, `name`, `name = value` with the value in double or
 * single quotes or bare, whole-line `#` comments. One difference: a bare
 * value keeps a `#` that no whitespace precedes, because `#` is a Z85
 * character (czmq would cut the value there).
 *
 * @param text The ZPL text.
 * @returns The root item (named "root"), whose children are the top-level items.
 * @throws {SyntaxError} On malformed text, naming the line and the fault.
 *
 * @example
 * ```ts
 * import { parseZpl } from "./cert.ts";
 * const root = parseZpl('curve\n    public-key = "abc"\n');
 * console.log(root.children[0].children[0].value); // "abc"
 * ```
 */
export function parseZpl(text: string): ZplItem {
  if (typeof text !== "string") throw new TypeError("ZPL text must be a string");
  const root: ZplItem = { name: "root", value: "", children: [] };
  const lines = text.split("\n");
  // A final newline ends the last line rather than starting an empty one.
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const no = i + 1;
    const fail = (why: string): never => {
      throw new SyntaxError(`ZPL line ${no}: ${why}`);
    };
    let line = lines[i];
    if (line.includes("\0")) fail("a NUL character");
    let end = line.length;
    while (end > 0 && SPACE.test(line[end - 1])) end--;
    line = line.slice(0, end);
    if (line.startsWith("#")) continue;
    let p = 0;
    while (line[p] === " ") p++;
    if (p % 4 !== 0) fail("indent by 4 spaces a level");
    const level = p / 4;
    const start = p;
    while (p < line.length && NAME_CHAR.test(line[p])) p++;
    const name = line.slice(start, p);
    if (name === "") {
      checkRest(line, p, fail);
      continue;
    }
    if (name.startsWith("/") || name.endsWith("/")) fail(`'/' at the start or end of the name "${name}"`);
    while (p < line.length && SPACE.test(line[p])) p++;
    let value = "";
    if (line[p] === "=") {
      p++;
      while (p < line.length && SPACE.test(line[p])) p++;
      const q = line[p];
      if (q === '"' || q === "'") {
        const close = line.indexOf(q, p + 1);
        if (close < 0) fail(`no closing ${q} after the value of "${name}"`);
        value = line.slice(p + 1, close);
        checkRest(line, close + 1, fail);
      } else {
        // A comment after a bare value needs whitespace before its '#'.
        const m = /[ \t\v\f\r]#/.exec(line.slice(p));
        value = (m ? line.slice(p, p + m.index) : line.slice(p)).replace(/[ \t\v\f\r]+$/, "");
      }
    } else {
      checkRest(line, p, fail);
    }
    // The parent is the last item at this depth, as in zconfig_at_depth.
    let parent = root;
    for (let d = 0; d < level; d++) {
      const last = parent.children[parent.children.length - 1];
      if (last === undefined) fail(`indented ${level} levels under an item at level ${d}`);
      parent = last;
    }
    parent.children.push({ name, value, children: [] });
  }
  return root;
}

// After a value or a bare name: only whitespace and a comment.
function checkRest(line: string, p: number, fail: (why: string) => never): void {
  while (p < line.length && SPACE.test(line[p])) p++;
  if (p < line.length && line[p] !== "#") fail(`unexpected text "${line.slice(p, p + 20)}"`);
}

const ZERO_KEY = "0".repeat(40);

/**
 * Reads a certificate from the text of a zcert file, public or secret, as
 * czmq's zcert_load does: `curve/public-key`, `curve/secret-key` if there,
 * and every item of `metadata` (the first of a repeated name wins). A secret
 * key of 40 zeros (czmq's "no key") counts as none.
 *
 * @param text The file's text.
 * @returns The certificate.
 * @throws {SyntaxError} On malformed ZPL, a missing public key, or a key that is not 40 characters of Z85.
 *
 * @example
 * ```ts
 * import { certFromText, certToText, newCert } from "zmtp-zeromq";
 * const cert = newCert({ name: "Ann" });
 * const back = certFromText(certToText(cert, "secret"));
 * console.log(back.secretKey === cert.secretKey, back.metadata.name); // true "Ann"
 * ```
 */
export function certFromText(text: string): Cert {
  const root = parseZpl(text);
  const find = (item: ZplItem | undefined, name: string) => item?.children.find((c) => c.name === name);
  const curve = find(root, "curve");
  const pub = find(curve, "public-key");
  if (pub === undefined) throw new SyntaxError("Certificate has no curve/public-key");
  const cert: Cert = { publicKey: checkKey(pub.value, "public-key"), metadata: {} };
  const sec = find(curve, "secret-key");
  if (sec !== undefined) {
    const key = checkKey(sec.value, "secret-key");
    if (key !== ZERO_KEY) cert.secretKey = key;
  }
  for (const item of find(root, "metadata")?.children ?? []) {
    if (!Object.hasOwn(cert.metadata, item.name)) cert.metadata[item.name] = item.value;
  }
  return cert;
}

function checkKey(value: string, what: string): string {
  let ok = value.length === 40;
  if (ok) {
    try {
      z85Decode(value);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new SyntaxError(`Certificate's curve/${what} is not 40 characters of Z85`);
  return value;
}

/**
 * Options for {@link certToText}.
 *
 * @example
 * ```ts
 * import { type CertTextOptions, certToText, newCert } from "zmtp-zeromq";
 * const opts: CertTextOptions = { date: new Date(0) };
 * console.log(certToText(newCert(), "public", opts).startsWith("#")); // true
 * ```
 */
export interface CertTextOptions {
  /** The time written in the header comment; default now. */
  date?: Date;
}

const PUBLIC_HEADER = [
  "   ZeroMQ CURVE Public Certificate",
  "   Exchange securely, or use a secure mechanism to verify the contents",
  "   of this file after exchange. Store public certificates in your home",
  "   directory, in the .curve subdirectory.",
];
const SECRET_HEADER = [
  "   ZeroMQ CURVE **Secret** Certificate",
  "   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
];
// czmq reads a line into a 1024-byte buffer and cuts the rest.
const MAX_LINE = 1024;
const enc = new TextEncoder();

/**
 * Writes a certificate as czmq's zcert_save does: the header comments, the
 * `metadata` section, then `curve` with the public key and, for the secret
 * file, the secret key; values in double quotes (single quotes for a value
 * holding a double quote, which czmq would write unreadably).
 *
 * @param cert The certificate.
 * @param kind "public" for the public file, "secret" for the `_secret` file.
 * @param options The header's date.
 * @returns The file's text.
 * @throws {TypeError} For a malformed key, a missing secret key (for "secret"),
 * or metadata that czmq could not read back (a name outside ZPL's name
 * characters, a value with a line break or both kinds of quote, a line over 1024 bytes).
 *
 * @example
 * ```ts
 * import { certToText, newCert } from "zmtp-zeromq";
 * const text = certToText(newCert({ name: "Ann" }), "public");
 * console.log(text.includes('    name = "Ann"')); // true
 * ```
 */
export function certToText(cert: Cert, kind: "public" | "secret" = "public", options: CertTextOptions = {}): string {
  if (kind !== "public" && kind !== "secret") throw new TypeError('The kind must be "public" or "secret"');
  const key = (k: unknown, what: string): string => {
    try {
      if (typeof k === "string") return checkKey(k, what);
    } catch { /* reported below */ }
    throw new TypeError(`The certificate's ${what} must be 40 characters of Z85`);
  };
  const lines: string[] = [`#   ****  Generated on ${timestamp(options.date ?? new Date())} by zmtp  ****`];
  for (const c of kind === "public" ? PUBLIC_HEADER : SECRET_HEADER) lines.push(`#${c}`);
  lines.push("", "metadata");
  for (const [name, value] of Object.entries(cert.metadata ?? {})) {
    lines.push(`    ${name} = ${quoted(name, value)}`);
  }
  lines.push("curve", `    public-key = "${key(cert.publicKey, "public-key")}"`);
  if (kind === "secret") {
    if (cert.secretKey === undefined) throw new TypeError("A secret certificate needs the secret key");
    lines.push(`    secret-key = "${key(cert.secretKey, "secret-key")}"`);
  }
  for (const l of lines) {
    if (enc.encode(l).length > MAX_LINE) {
      throw new TypeError(`A certificate line over ${MAX_LINE} bytes: "${l.slice(0, 40)}…"`);
    }
  }
  return lines.join("\n") + "\n";
}

function quoted(name: string, value: unknown): string {
  if (!NAME.test(name) || name.startsWith("/") || name.endsWith("/")) {
    throw new TypeError(`Metadata name "${name}" must be letters, digits and $-_@.&+/ (not at either end)`);
  }
  if (typeof value !== "string") throw new TypeError(`Metadata "${name}" must have a string value`);
  if (/[\0\n\r]/.test(value)) throw new TypeError(`Metadata "${name}" cannot hold a line break or NUL`);
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  throw new TypeError(`Metadata "${name}" cannot hold both ' and "`);
}

// czmq's zclock_timestr: local time, "YYYY-MM-DD hh:mm:ss".
function timestamp(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
