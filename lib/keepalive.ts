// What keeps the process alive, as in zeromq.js: a pending send() or
// receive() (and so a `for await`), a waiting Observer, a close() that
// lingers with messages queued. Connections, listeners and the library's
// own timers (reconnect, heartbeat, handshake) do not: a script that only
// bound or connected exits when it has nothing else to do.
//
// One process-wide interval timer, which never fires in practice, is the
// keep-alive: referenced while anything holds it, unreferenced when the
// count drops back to 0. A hold costs a counter and, on 0 -> 1 and 1 -> 0
// only, one ref/unref call (a flag in every runtime), not a timer per wait.
//
// lib/ does not know the runtime: Node's and Bun's timers are objects with
// ref()/unref(); Deno's are numbers, and transports/tcp.ts registers Deno's
// timer functions through registerTimerRefs() (and how to unref a
// BroadcastChannel there, through registerChannelUnref()). Where neither
// applies (browsers), there is no process to keep alive.

type Timer = ReturnType<typeof setTimeout>;

/** How the runtime references and unreferences a timer. */
export interface TimerRefs {
  /** Makes `timer` keep the process alive. */
  ref(timer: Timer): void;
  /** Lets the process exit while `timer` is pending. */
  unref(timer: Timer): void;
}

// deno-lint-ignore no-explicit-any
type Refable = { ref?(): unknown; unref?(): unknown } & any;

let registered: TimerRefs | null = null;

/** @internal For runtimes whose timers are not objects with ref()/unref() (Deno). */
export function registerTimerRefs(r: TimerRefs): void {
  registered = r;
  if (handle !== undefined) (holds > 0 ? r.ref : r.unref)(handle);
}

/**
 * @internal Lets the process exit while `timer` is pending (a reconnect,
 * heartbeat or handshake timer).
 *
 * @param timer A timer from setTimeout or setInterval.
 * @returns The same timer.
 */
export function unrefTimer<T extends Timer | undefined>(timer: T): T {
  if (timer === undefined) return timer;
  if (registered !== null) registered.unref(timer);
  else (timer as Refable).unref?.();
  return timer;
}

const MAX_DELAY = 2 ** 31 - 1;
let handle: Timer | undefined;
let holds = 0;

/** @internal Keeps the process alive until the matching {@link release}. */
export function hold(): void {
  if (holds++ > 0) return;
  if (handle === undefined) handle = setInterval(() => {}, MAX_DELAY);
  else if (registered !== null) registered.ref(handle);
  else (handle as Refable).ref();
}

/** @internal How many holds are open (0: nothing of ours keeps the process alive). */
export function holdCount(): number {
  return holds;
}

/** @internal Ends one {@link hold}. */
export function release(): void {
  if (holds === 0 || --holds > 0) return;
  if (registered !== null) registered.unref(handle!);
  else if (typeof (handle as Refable).unref === "function") (handle as Refable).unref();
  else {
    // A timer that cannot be unreferenced (Deno without transports/tcp.ts):
    // cleared, and made again by the next hold.
    clearInterval(handle);
    handle = undefined;
  }
}

// How to unref a BroadcastChannel: unref() where the runtime has it (Node,
// Bun); another runtime's way is registered by its transport (Deno).
let channelUnref: (ch: BroadcastChannel) => void = (ch) => (ch as { unref?: () => void }).unref?.();

/** @internal For runtimes whose BroadcastChannel has no unref() (Deno): how to unref one. */
export function registerChannelUnref(fn: (ch: BroadcastChannel) => void): void {
  channelUnref = fn;
}

/**
 * @internal Lets the process exit while `ch` listens (inproc between
 * threads must not keep a process alive).
 */
export function unrefChannel(ch: BroadcastChannel): void {
  channelUnref(ch);
}
