// zeromq.js's examples/req-rep as one program: a client asks for 2 * 4 and a
// server answers. Bounded: the server answers one request, then both close.
import * as zmq from "zmtp-zeromq";

const port = process.env.PORT ?? "3000";

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
  for await (const [msg] of sock) {
    const value = parseInt(msg.toString(), 10);
    await sock.send(2 * value);
    break;
  }
  sock.close();
}

Promise.all([client(), server()]).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
