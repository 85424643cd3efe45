// req-rep.mjs from CommonJS: the same exchange through require().
"use strict";
const zmq = require("zmtp-zeromq");

const port = process.env.PORT || "3000";

async function client() {
  const sock = new zmq.Request();
  sock.connect(`tcp://127.0.0.1:${port}`);
  console.log(`Producer bound to port ${port}`);
  await sock.send(4);
  console.log("Request a calculation for 4");
  const [result] = await sock.receive();
  console.log(`Received result: ${result}`);
  sock.close();
}

async function server() {
  const sock = new zmq.Reply();
  await sock.bind(`tcp://127.0.0.1:${port}`);
  const [msg] = await sock.receive();
  await sock.send(2 * parseInt(msg.toString(), 10));
  sock.close();
}

Promise.all([client(), server()]).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
