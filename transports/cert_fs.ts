/**
 * czmq certificate files (zcert): a certificate saved as `name` (public) and
 * `name_secret` (both keys, readable by the owner only), and a directory of
 * public certificates as czmq's zauth reads one for CURVE (`configure_curve`).
 * The text format is lib/cert.ts; this is only the file IO, through
 * node:fs/promises, which Deno, Bun and Node all have.
 *
 * @module
 */

import { chmod, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Cert, certFromText, certToText } from "../lib/cert.ts";

const code = (e: unknown) => (e as { code?: string })?.code;

async function readCert(path: string): Promise<Cert> {
  const text = await readFile(path, "utf8");
  try {
    return certFromText(text);
  } catch (e) {
    throw new SyntaxError(`${path}: ${(e as Error).message}`);
  }
}

/**
 * Loads a certificate as czmq's zcert_load does: from `path_secret` when that
 * file exists (both keys), else from `path` (the public key only).
 *
 * @param path The public file's path.
 * @returns The certificate.
 * @throws {SyntaxError} When the file read is not a certificate (naming the file and the fault).
 * @throws {Error} The file system's error (code ENOENT, ...) when neither file can be read.
 *
 * @example
 * ```ts
 * import { loadCert, newCert, saveCert } from "zmtp-zeromq";
 * const dir = await Deno.makeTempDir();
 * await saveCert(newCert({ name: "Ann" }), `${dir}/ann`);
 * console.log((await loadCert(`${dir}/ann`)).metadata.name); // "Ann"
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCert(path: string): Promise<Cert> {
  try {
    return await readCert(`${path}_secret`);
  } catch (e) {
    if (code(e) !== "ENOENT") throw e;
  }
  return await readCert(path);
}

/**
 * Saves a certificate as czmq's zcert_save does: the public file at `path`
 * and, when the certificate has its secret key, `path_secret` with mode 0600
 * (czmq creates it under a private umask).
 *
 * @param cert The certificate.
 * @param path The public file's path.
 * @throws {TypeError} For what {@link certToText} refuses.
 *
 * @example
 * ```ts
 * import { newCert, saveCert } from "zmtp-zeromq";
 * const dir = await Deno.makeTempDir();
 * await saveCert(newCert(), `${dir}/server`); // server and server_secret
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveCert(cert: Cert, path: string): Promise<void> {
  const date = new Date();
  // Both texts first, so a refused certificate writes no file.
  const pub = certToText(cert, "public", { date });
  const sec = cert.secretKey === undefined ? undefined : certToText(cert, "secret", { date });
  await writeFile(path, pub);
  if (sec === undefined) return;
  const secret = `${path}_secret`;
  await writeFile(secret, sec, { mode: 0o600 });
  // The mode applies only to a new file: tighten one that was there.
  if (((await stat(secret)).mode & 0o077) !== 0) await chmod(secret, 0o600);
}

// Directories deeper than this are not searched (a symbolic link loop ends here).
const MAX_DEPTH = 16;

/**
 * Loads every public certificate in a directory and its subdirectories, as
 * czmq's certificate store (zcertstore) does for zauth's `configure_curve`:
 * regular files not named `*_secret`, skipping hidden entries (names
 * starting with "."), and skipping files that are not certificates. A
 * missing directory has no certificates. The result is a snapshot: call
 * again to see later changes. For czmq's `"*"` (any client) pass
 * `curve: "*"` to createAuthenticator instead.
 *
 * @param dir The directory.
 * @returns The certificates (public keys and metadata), in no particular order.
 *
 * @example
 * ```ts
 * import { createAuthenticator, loadCertDirectory, newCert, saveCert } from "zmtp-zeromq";
 * const dir = await Deno.makeTempDir();
 * await saveCert(newCert({ name: "client" }), `${dir}/client`);
 * const auth = createAuthenticator({ curve: await loadCertDirectory(dir) });
 * console.log(typeof auth); // "function"
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCertDirectory(dir: string): Promise<Cert[]> {
  const certs: Cert[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(d);
    } catch (e) {
      if (depth === 0 && code(e) === "ENOENT") return;
      throw e;
    }
    for (const name of names.sort()) {
      if (name.startsWith(".")) continue;
      const path = join(d, name);
      let st;
      try {
        st = await stat(path);
      } catch {
        continue; // a dangling link, or gone meanwhile
      }
      if (st.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(path, depth + 1);
      } else if (st.isFile() && !name.endsWith("_secret")) {
        try {
          const cert = certFromText(await readFile(path, "utf8"));
          delete cert.secretKey;
          certs.push(cert);
        } catch {
          // czmq skips what is not a certificate.
        }
      }
    }
  };
  await walk(dir, 0);
  return certs;
}
