// Weather update server (zguide chapter 1, "Getting the Message Out"): a PUB
// socket publishes "zipcode temperature humidity" for random zip codes.
// Zip codes are drawn from --zips codes starting at 10000 (the guide uses
// all 100000, which makes one zip code's updates rare); ends after --count
// updates (0: never), or after --seconds.
import { setTimeout as sleep } from "node:timers/promises";
import { Publisher } from "../../mod.ts";
import { intOption, option } from "./_args.ts";

const zips = intOption("zips", 100);
const count = intOption("count", 0);
const stopAt = Date.now() + intOption("seconds", 30) * 1000;

const publisher = new Publisher();
await publisher.bind(option("bind", "tcp://*:5556"));
console.log("Publishing weather updates");

const random = (n: number) => Math.floor(Math.random() * n);
for (let sent = 0; count === 0 || sent < count; sent++) {
  const zipcode = 10000 + random(zips);
  const temperature = random(215) - 80;
  const relhumidity = random(50) + 10;
  await publisher.send(`${zipcode} ${temperature} ${relhumidity}`);
  // PUB never waits for its subscribers, so let the connections run now and then.
  if (sent % 100 === 99) {
    await sleep(1);
    if (Date.now() > stopAt) break;
  }
}
publisher.close();
