// Command-line options shared by the examples: `--name=value` or
// `--name value`. The guide's programs hard-code their endpoints and run
// forever; these take the guide's endpoints as defaults, and limits (how
// many messages, how long to stay idle) so that each one ends by itself.
import process from "node:process";

const argv = process.argv.slice(2);

/** The value of `--name`, or `fallback` when it is not given. */
export function option(name: string, fallback: string): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === `--${name}` && i + 1 < argv.length) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return fallback;
}

/** A numeric `--name`; exits with a message when it is not a number. */
export function intOption(name: string, fallback: number): number {
  const v = option(name, String(fallback));
  const n = Number(v);
  if (!Number.isFinite(n)) {
    console.error(`--${name} must be a number, got "${v}"`);
    process.exit(2);
  }
  return n;
}

/** Frames as text. */
export function text(frame: Uint8Array): string {
  return new TextDecoder().decode(frame);
}
