import { Publisher, Subscriber } from "../mod.ts";
import { epgmStatistics, setEpgmFaults } from "../lib/epgm.ts";
const ep = "epgm://127.0.0.1;239.192.9.10:23457";
const sub = new Subscriber({ receiveTimeout: 3000 });
sub.subscribe("");
await sub.connect(ep);
const pub = new Publisher({ rate: 100000 });
await pub.connect(ep);
for (;;) {
  await pub.send(["probe"]);
  try { const m = await sub.receive({ signal: AbortSignal.timeout(50) }); if (new TextDecoder().decode(m[0]) === "probe") break; } catch {}
}
let n = 0;
setEpgmFaults({ outgoing: (d) => d[4] === 4 && ++n % 10 === 0 });
for (let i = 0; i < 30; i++) await pub.send(["m", String(i)]);
const got = [];
try { for (;;) { const m = await sub.receive(); got.push(new TextDecoder().decode(m[1] ?? m[0])); }; } catch {}
console.log(got.join(" "));
console.log(JSON.stringify(epgmStatistics()));
pub.close(); sub.close();
