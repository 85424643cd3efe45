// The worker of _threads_exit.ts on Deno and Bun (Web Workers).
(globalThis as unknown as { worker: boolean }).worker = true;
await import("./_threads_exit.ts");
