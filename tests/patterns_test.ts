// Every socket pattern, once per transport in TRANSPORTS. The rows are in
// _pattern_rows.ts (patterns_threads_test.ts runs them across threads too).

import { describe, test } from "node:test";
import { TRANSPORTS } from "./_helpers.ts";
import { here, ROWS } from "./_pattern_rows.ts";

const T = { timeout: 10000 };

for (const tr of TRANSPORTS) {
  describe(`patterns over ${tr}`, () => {
    for (const row of ROWS) {
      if (row.transports && !row.transports.includes(tr)) continue;
      test(`${row.name} (${tr})`, T, () => row.run(tr, here));
    }
  });
}
