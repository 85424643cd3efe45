// Majordomo client (zguide chapter 4): --count "Hello world" requests to
// the "echo" service, one at a time, then asks the broker's Majordomo
// Management Interface whether the service exists (mmi.service: "200" yes,
// "404" no).
import { MajordomoClient, text } from "./mdp.ts";
import { intOption, option } from "./_args.ts";

const client = new MajordomoClient(
  option("connect", "tcp://localhost:5555"),
  intOption("timeout", 2500),
  intOption("retries", 3),
);
const service = option("service", "echo");
const count = intOption("count", 10);
let replies = 0;
for (let n = 0; n < count; n++) {
  const reply = await client.send(service, "Hello world");
  if (reply === null) break; // the broker is gone
  if (text(reply[0]) === "Hello world") replies++;
}
console.log(`${replies} requests/replies processed`);
const lookup = await client.send("mmi.service", service);
console.log(`Lookup ${service} service: ${lookup === null ? "no answer" : text(lookup[0])}`);
client.close();
