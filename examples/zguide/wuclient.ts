// Weather update client (zguide chapter 1): a SUB socket subscribes to one
// zip code (the prefix filter runs in the publisher) and averages --count
// temperatures.
import { Subscriber } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const zip = option("zip", "10001");
const count = intOption("count", 100);

const subscriber = new Subscriber();
console.log("Collecting updates from weather server...");
subscriber.connect(option("connect", "tcp://localhost:5556"));
// The trailing space keeps "1000" from matching "10001".
subscriber.subscribe(`${zip} `);

let total = 0;
let received = 0;
for await (const [update] of subscriber) {
  const [zipcode, temperature] = text(update).split(" ");
  if (zipcode !== zip) throw new Error(`Filter let through ${text(update)}`);
  total += Number(temperature);
  if (++received === count) break;
}
console.log(`Average temperature for zip code '${zip}' over ${received} updates was ${Math.round(total / received)}F`);
subscriber.close();
