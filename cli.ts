#!/usr/bin/env node
/**
 * `zmtp`, the command-line tool: ZeroMQ sockets from the shell (pub, sub,
 * push, pull, req, rep, dealer, router, pair), a proxy, CURVE keys, a
 * monitor and a benchmark. Run `zmtp help` for the commands:
 *
 * ```sh
 * deno run -A cli.ts help
 * bun cli.ts help
 * npx zmtp-zeromq help
 * ```
 *
 * Exit codes: 0 done, 1 usage error, 2 runtime or connection error, 130
 * interrupted (Ctrl-C).
 *
 * @module
 */

import "./mod.ts";
import { main } from "./lib/cli/run.ts";
import { finish, processIo } from "./transports/cli_io.ts";

await finish(await main(processIo()));
