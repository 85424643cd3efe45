// Running a callback on a later macrotask, after pending I/O and timers:
// setImmediate where the runtime has it (Deno, Bun, Node), a MessageChannel
// in browsers, setTimeout as the last resort.

type Schedule = (fn: () => void) => void;

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

function viaChannel(): Schedule {
  const queue: (() => void)[] = [];
  let channel: MessageChannel | null = null;
  return (fn) => {
    queue.push(fn);
    if (channel === null) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const fns = queue.splice(0);
        for (const f of fns) f();
      };
    }
    if (queue.length === 1) channel.port2.postMessage(0);
  };
}

/** Runs `fn` on a later macrotask, so that I/O and timers get a turn first. */
export const macrotask: Schedule = typeof g.setImmediate === "function"
  ? (fn) => g.setImmediate(fn)
  : typeof MessageChannel === "function"
  ? viaChannel()
  : (fn) => setTimeout(fn, 0);
