// push-pull.mjs from CommonJS; the worker prints the Buffer it gets as well.
"use strict";
const { Pull, Push } = require("zmtp-zeromq");

const port = process.env.PORT || "3000";

async function main() {
  const push = new Push();
  await push.bind(`tcp://127.0.0.1:${port}`);
  console.log(`Producer bound to port ${port}`);
  const pull = new Pull();
  pull.connect(`tcp://127.0.0.1:${port}`);
  console.log(`Worker connected to port ${port}`);
  for (const work of ["first", "second", "third"]) await push.send(work);
  for (let i = 0; i < 3; i++) {
    const [msg] = await pull.receive();
    console.log("work: %s", msg.toString(), msg);
  }
  push.close();
  pull.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
