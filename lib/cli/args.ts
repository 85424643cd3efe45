/**
 * The command line of the `zmtp` CLI (cli.ts): the commands, their options,
 * and a parser that turns argv into a {@link Parsed} or throws a
 * {@link UsageError}. Pure: no IO, so the tests call it directly.
 *
 * @module
 */

/** A mistake in the command line: the CLI prints it and exits 1. */
export class UsageError extends Error {
  /** The command whose help to point at, if known. */
  readonly command: string | undefined;
  /**
   * @param message What is wrong, in a sentence.
   * @param command The command whose help applies.
   */
  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** How an option takes its value: a flag has none, a list may repeat. */
export type OptionKind = "flag" | "value" | "list";

/** One option of a command. */
export interface OptionSpec {
  kind: OptionKind;
  /** The value's placeholder in help, e.g. "ENDPOINT". */
  arg?: string;
  help: string;
}

const ENDPOINTS: Record<string, OptionSpec> = {
  bind: { kind: "list", arg: "ENDPOINT", help: "bind to ENDPOINT (repeatable; commas separate several)" },
  connect: { kind: "list", arg: "ENDPOINT", help: "connect to ENDPOINT (repeatable; commas separate several)" },
};

const SECURITY: Record<string, OptionSpec> = {
  "curve-server-key": { kind: "value", arg: "Z85", help: "CURVE client: the server's public key" },
  "curve-public-key": {
    kind: "value",
    arg: "Z85",
    help: "CURVE: this side's public key (derived from the secret if omitted)",
  },
  "curve-secret-key": {
    kind: "value",
    arg: "Z85",
    help: "CURVE: this side's secret key (a client without one gets a new pair)",
  },
  "curve-server": { kind: "flag", help: "CURVE server (needs --curve-secret-key)" },
  plain: { kind: "value", arg: "USER:PASS", help: "PLAIN credentials (with --plain-server: the only ones admitted)" },
  "plain-server": { kind: "flag", help: "PLAIN server (admits anyone unless --plain is given)" },
};

const IO: Record<string, OptionSpec> = {
  format: { kind: "value", arg: "FORMAT", help: "lines (default), nul, length-prefixed or json, for stdin and stdout" },
  separator: {
    kind: "value",
    arg: "SEP",
    help: "frames of a multipart message are split (stdin) and joined (stdout) at SEP",
  },
  json: { kind: "flag", help: "print received messages as JSON arrays of frames (same as --format json)" },
  encoding: { kind: "value", arg: "ENC", help: "frames in JSON as text (default), hex or base64" },
  count: { kind: "value", arg: "N", help: "stop after N messages" },
  timeout: { kind: "value", arg: "MS", help: "fail (exit 2) when a message takes longer than MS to arrive or leave" },
  linger: {
    kind: "value",
    arg: "MS",
    help: "on exit, deliver queued messages for up to MS (default 2000; -1 forever)",
  },
};

const COMMON: Record<string, OptionSpec> = {
  help: { kind: "flag", help: "show this help" },
};

/** One command: its synopsis, summary, options and positional arguments. */
export interface CommandSpec {
  usage: string;
  summary: string;
  /** Extra help text after the options. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments allowed: [min, max]. */
  positionals: [number, number];
}

const socketCommand = (
  what: string,
  details: string,
  extra: Record<string, OptionSpec> = {},
  positionals: [number, number] = [0, 0],
  usageTail = "",
): CommandSpec => ({
  usage: `(--bind|--connect) ENDPOINT... [options]${usageTail}`,
  summary: what,
  details,
  options: { ...ENDPOINTS, ...IO, ...SECURITY, ...extra, ...COMMON },
  positionals,
});

const ROUTING_ID: Record<string, OptionSpec> = {
  "routing-id": { kind: "value", arg: "ID", help: "this socket's routing id (what a ROUTER peer sees)" },
};

/** Every command of the CLI. */
export const COMMANDS: Record<string, CommandSpec> = {
  pub: socketCommand("PUB: sends each message read from stdin to all subscribers", "", {
    subscribers: {
      kind: "value",
      arg: "N",
      help: "wait for N subscriptions before sending (a PUB drops what nobody is subscribed to yet)",
    },
  }),
  sub: socketCommand(
    "SUB: prints the messages of the given topics (all without any)",
    "A topic is a prefix of the first frame.",
    { subscribe: { kind: "list", arg: "TOPIC", help: "subscribe to TOPIC (repeatable; also as arguments)" } },
    [0, Infinity],
    " [TOPIC...]",
  ),
  push: socketCommand("PUSH: sends each message read from stdin to one of the pullers", ""),
  pull: socketCommand("PULL: prints each message received", ""),
  req: socketCommand(
    "REQ: sends each message read from stdin as a request and prints its reply",
    "Ends after the reply to the last request.",
    ROUTING_ID,
  ),
  rep: socketCommand(
    "REP: answers each request with itself, or with the output of --exec",
    "With --exec, CMD runs in a shell once per request, with the request on its stdin\n" +
      "(in --format) and its stdout (read in --format) as the reply; a CMD that fails\n" +
      "is reported on stderr and the reply is empty.",
    {
      exec: { kind: "value", arg: "CMD", help: "run CMD per request: request on its stdin, its stdout the reply" },
      ...ROUTING_ID,
    },
  ),
  dealer: socketCommand(
    "DEALER: sends stdin's messages round-robin and prints what arrives",
    "Runs until --count messages arrived, or Ctrl-C.",
    ROUTING_ID,
  ),
  router: socketCommand(
    "ROUTER: prints what arrives (first frame: the sender's routing id) and sends stdin's messages to the peer their first frame names",
    "Runs until --count messages arrived, or Ctrl-C. Routing ids are binary: use --json --encoding hex.",
    ROUTING_ID,
  ),
  pair: socketCommand(
    "PAIR: sends stdin's messages to the one peer and prints what arrives",
    "Runs until --count messages arrived, or Ctrl-C.",
  ),
  proxy: {
    usage: "[--type TYPE] FRONT BACK [--capture ENDPOINT] [options]",
    summary: "forwards messages both ways between two sockets (zmq_proxy)",
    details: "FRONT and BACK are [TYPE=][@|>]ENDPOINT[,ENDPOINT...]: '@' binds (the default), '>' connects,\n" +
      "and a TYPE prefix (router, dealer, xsub, xpub, pull, push) picks that side's socket type.\n" +
      "--type picks both: router-dealer (default; also 'queue'), xsub-xpub ('forwarder'), pull-push ('streamer').\n" +
      "--capture [pub=|push=][@|>]ENDPOINT sends a copy of every forwarded message to a PUB\n" +
      "(default) or PUSH socket there, bound unless '>'.",
    options: {
      type: { kind: "value", arg: "TYPE", help: "router-dealer (default), xsub-xpub or pull-push" },
      capture: { kind: "value", arg: "ENDPOINT", help: "publish a copy of every message on ENDPOINT" },
      count: IO.count,
      linger: IO.linger,
      ...SECURITY,
      ...COMMON,
    },
    positionals: [2, 2],
  },
  keygen: {
    usage: "[--cert PATH] [--json]",
    summary: "prints a new CURVE key pair in Z85 ('public KEY' and 'secret KEY' lines)",
    options: {
      cert: { kind: "value", arg: "PATH", help: "also write czmq certificate files PATH and PATH_secret" },
      json: { kind: "flag", help: 'print {"public": KEY, "secret": KEY}' },
      ...COMMON,
    },
    positionals: [0, 0],
  },
  monitor: {
    usage: "ENDPOINT [--type TYPE] [options]",
    summary: "connects a socket and prints what it sees, live: connects, handshakes, disconnects, errors",
    details: "ENDPOINT may start with '@' to bind instead. One line per event: TYPE ADDRESS [DETAIL].",
    options: {
      type: { kind: "value", arg: "TYPE", help: "the socket type to connect with (default dealer)" },
      json: { kind: "flag", help: "print each event as a JSON object" },
      count: { kind: "value", arg: "N", help: "stop after N events" },
      timeout: { kind: "value", arg: "MS", help: "fail (exit 2) when no event arrives for MS" },
      ...SECURITY,
      ...COMMON,
    },
    positionals: [1, 1],
  },
  bench: {
    usage: "[--push ENDPOINT | --pull ENDPOINT] [options]",
    summary: "measures throughput (PUSH to PULL) and latency (REQ/REP round trips)",
    details: "Without --push/--pull both ends run here, over --transport. Against a remote peer run\n" +
      "`bench --pull @tcp://*:5555` on one side and `bench --push tcp://host:5555` on the other\n" +
      "('@' binds, '>' connects; --pull binds and --push connects by default).\n" +
      "A progress line shows on a terminal; a summary is printed at the end.",
    options: {
      push: { kind: "value", arg: "ENDPOINT", help: "only send --count messages to ENDPOINT" },
      pull: { kind: "value", arg: "ENDPOINT", help: "only receive --count messages at ENDPOINT" },
      transport: { kind: "value", arg: "T", help: "local run: tcp (default), ipc or inproc" },
      size: { kind: "value", arg: "BYTES", help: "message size (default 100)" },
      count: { kind: "value", arg: "N", help: "messages for throughput (default 100000)" },
      roundtrips: { kind: "value", arg: "N", help: "local run: REQ/REP round trips for latency (default 2000)" },
      json: { kind: "flag", help: "print the summary as JSON" },
      ...SECURITY,
      ...COMMON,
    },
    positionals: [0, 0],
  },
  help: {
    usage: "[COMMAND]",
    summary: "shows the help of a command",
    options: { ...COMMON },
    positionals: [0, 1],
  },
};

/** The options given, by name: true for a flag, a string, or strings for a list. */
export type Options = Record<string, string | string[] | true>;

/** A parsed command line. */
export interface Parsed {
  command: string;
  options: Options;
  positionals: string[];
}

/**
 * Parses the arguments after the program name.
 *
 * @param argv The arguments, e.g. `["push", "--connect", "tcp://127.0.0.1:5555"]`.
 * @returns The command, its options and positional arguments; `help` for none, `--help` or `-h`.
 * @throws {UsageError} For an unknown command or option, a missing value, or the wrong number of arguments.
 */
export function parseArgs(argv: readonly string[]): Parsed {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h") {
    return { command: "help", options: {}, positionals: argv.slice(1, 2) };
  }
  if (argv[0] === "--version" || argv[0] === "-V") return { command: "version", options: {}, positionals: [] };
  const command = argv[0];
  const spec = COMMANDS[command];
  if (spec === undefined) throw new UsageError(`Unknown command '${command}'`);
  const options: Options = {};
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (onlyPositionals || !a.startsWith("-") || a === "-") {
      positionals.push(a);
      continue;
    }
    if (a === "--") {
      onlyPositionals = true;
      continue;
    }
    if (a === "-h") {
      options.help = true;
      continue;
    }
    if (!a.startsWith("--")) throw new UsageError(`Unknown option '${a}'`, command);
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const o = spec.options[name];
    if (o === undefined) throw new UsageError(`Unknown option '--${name}' for '${command}'`, command);
    if (o.kind === "flag") {
      if (eq >= 0) throw new UsageError(`Option '--${name}' takes no value`, command);
      options[name] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`Option '--${name}' needs a value (${o.arg})`, command);
      value = argv[++i];
    }
    if (o.kind === "value") {
      if (name in options) throw new UsageError(`Option '--${name}' is given twice`, command);
      options[name] = value;
    } else {
      const list = (options[name] ?? []) as string[];
      list.push(value);
      options[name] = list;
    }
  }
  if (options.help === true) return { command: "help", options: {}, positionals: [command] };
  const [min, max] = spec.positionals;
  if (positionals.length < min || positionals.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new UsageError(
      `'${command}' takes ${want} argument${max === 1 ? "" : "s"}, got ${positionals.length}`,
      command,
    );
  }
  return { command, options, positionals };
}

/**
 * An option as an integer, with a default.
 *
 * @param p The parsed command line.
 * @param name The option's name.
 * @param fallback Its value when not given.
 * @param min The smallest value accepted.
 * @returns The number.
 * @throws {UsageError} When it is not an integer of at least `min`.
 */
export function intOption(p: Parsed, name: string, fallback: number, min = 0): number {
  const v = p.options[name];
  if (v === undefined) return fallback;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`Option '--${name}' must be an integer of at least ${min}, got '${v}'`, p.command);
  }
  return n;
}

/**
 * A value option as a string, if given.
 *
 * @param p The parsed command line.
 * @param name The option's name.
 * @returns The value, or undefined.
 */
export function stringOption(p: Parsed, name: string): string | undefined {
  const v = p.options[name];
  return typeof v === "string" ? v : undefined;
}

/**
 * A list option's values, each split at commas.
 *
 * @param p The parsed command line.
 * @param name The option's name.
 * @returns The values, in order.
 */
export function listOption(p: Parsed, name: string): string[] {
  const v = p.options[name];
  const list = Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  return list.flatMap((s) => s.split(",")).filter((s) => s !== "");
}

/** Where an endpoint argument goes: bound or connected. */
export interface EndpointArg {
  bind: boolean;
  endpoint: string;
}

/**
 * An endpoint argument in czmq's notation: `@` binds, `>` connects, neither
 * takes the default. Commas separate several.
 *
 * @param text The argument.
 * @param bindByDefault Whether a bare endpoint binds.
 * @returns The endpoints.
 */
export function endpointArgs(text: string, bindByDefault: boolean): EndpointArg[] {
  return text.split(",").filter((s) => s !== "").map((s) => {
    if (s.startsWith("@")) return { bind: true, endpoint: s.slice(1) };
    if (s.startsWith(">")) return { bind: false, endpoint: s.slice(1) };
    return { bind: bindByDefault, endpoint: s };
  });
}
