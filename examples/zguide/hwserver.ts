// Hello World server (zguide chapter 1, "Ask and Ye Shall Receive"): a REP
// socket answers each "Hello" with "World". Ends after --count requests, or
// after --idle ms without one.
import { Reply } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const count = intOption("count", 10);
const socket = new Reply({ receiveTimeout: intOption("idle", 10_000) });
await socket.bind(option("bind", "tcp://*:5555"));
console.log("Server ready");

try {
  for (let served = 0; served < count; served++) {
    const [request] = await socket.receive();
    console.log(`Received request: ${text(request)}`);
    await socket.send("World");
  }
} catch (err) {
  console.log(`Stopped: ${(err as Error).message}`);
} finally {
  socket.close();
}
