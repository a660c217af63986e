// Figure for docs/reliability.md: delivery latency in other rooms, calm and
// while one socket floods its room at 1,000 messages a second (the issue's
// target: p99 within 2x). Runs a real server in this process, limit at its
// defaults (10/s, burst 20).
//   node --import tsx bench/delivery-flood.ts [rooms=20] [seconds=10] [perSecond=5]
import { describeFlood, measureFlood } from "../server/testing/flood-probe";
import { startTestServer } from "../server/testing/test-server";

const [rooms = 20, seconds = 10, perSecond = 5] = process.argv.slice(2).map(Number);
const app = await startTestServer({ MESSAGE_RATE: "10", MESSAGE_BURST: "20" });
try {
  const figures = await measureFlood(app, { rooms, seconds, perSecond });
  console.log(describeFlood(figures, perSecond, rooms));
  if (!figures.allDelivered) console.log("NOT every message of the other rooms arrived");
} finally {
  await app.close();
}
