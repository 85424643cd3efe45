// Hello World client (zguide chapter 1): a REQ socket sends "Hello" and
// waits for each reply, --count times.
import { Request } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const count = intOption("count", 10);
const socket = new Request();
console.log("Connecting to hello world server...");
socket.connect(option("connect", "tcp://localhost:5555"));

for (let n = 0; n < count; n++) {
  console.log(`Sending Hello ${n}...`);
  await socket.send("Hello");
  const [reply] = await socket.receive();
  console.log(`Received ${text(reply)} ${n}`);
}
socket.close();
