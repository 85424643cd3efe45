// Request-reply worker (zguide chapter 2): a REP socket connects to the
// broker's back end and answers "World" (with its --name, so that a test
// can see the broker spread the load). Ends after --idle ms without a request.
import { Reply } from "../../mod.ts";
import { intOption, option, text } from "./_args.ts";

const name = option("name", "");
const responder = new Reply({ receiveTimeout: intOption("idle", 10_000) });
responder.connect(option("connect", "tcp://localhost:5560"));
try {
  for (;;) {
    const [request] = await responder.receive();
    console.log(`Received request: [${text(request)}]`);
    await responder.send(name === "" ? "World" : `World from ${name}`);
  }
} catch (err) {
  console.log(`Stopped: ${(err as Error).message}`);
}
responder.close();
