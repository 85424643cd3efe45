// The browser build is the public browser entry, browser.ts: the socket
// types, security, inproc, and the ws:// client. No tcp/ipc/udp; binding
// ws:// needs a server runtime and fails there with ENOTSUP. Built by
// build.ts with esbuild.

export * from "../../browser.ts";
