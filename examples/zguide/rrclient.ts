// Request-reply client (zguide chapter 2, "Shared Queue (DEALER and ROUTER
// sockets)"): a REQ socket talks to the broker's front end as it would to a
// server, --count times.
import { Request } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const requester = new Request();
requester.connect(option("connect", "tcp://localhost:5559"));
const count = intOption("count", 10);
for (let n = 0; n < count; n++) {
  await requester.send("Hello");
  const [reply] = await requester.receive();
  console.log(`Received reply ${n} [${text(reply)}]`);
}
requester.close();
