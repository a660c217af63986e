// Logging in costs a bcrypt hash (about 75 ms at cost 10); the server runs them off
// the event loop, so chat carries on while a burst of logins is being checked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack, JoinReply, SendReply } from "../lib/protocol";
import { startTestServer, type TestServer } from "./testing/test-server";

const LOGINS = 20;
const credentials = { username: "burster", password: "a long enough password" };

let app: TestServer;

beforeAll(async () => {
  // The production cost, so each hash takes as long as it will for real users.
  app = await startTestServer({ BCRYPT_COST: "10" });
  expect((await app.request("/api/auth/register", { method: "POST", json: credentials })).status).toBe(201);
});
afterAll(async () => {
  await app.close();
});

describe("a burst of logins", () => {
  it("logs everyone in while chat messages keep being answered", async () => {
    const room = `login-burst-${Date.now()}`;
    const chatter = await app.connect({ name: "chatter" });
    const joined = (await chatter.timeout(5000).emitWithAck("room:join", { room })) as Ack<JoinReply>;
    expect(joined.ok).toBe(true);

    let inFlight = LOGINS;
    const logins = Array.from({ length: LOGINS }, () =>
      app.request("/api/auth/login", { method: "POST", json: credentials }).finally(() => (inFlight -= 1)),
    );
    // Chat one message at a time for as long as logins are being checked.
    let answeredDuringBurst = 0;
    while (inFlight > 0) {
      const ack = (await chatter.timeout(10_000).emitWithAck("message:send", { room, content: "still here" })) as Ack<SendReply>;
      expect(ack.ok).toBe(true);
      if (inFlight > 0) answeredDuringBurst += 1;
      // A person's pace, not a flood: the chatter must not starve the hashing threads of CPU.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const statuses = (await Promise.all(logins)).map((response) => response.status);
    expect(statuses).toEqual(Array(LOGINS).fill(200));
    // With bcrypt on the event loop, chat got through only between hashes: about once per
    // login (13 answers here). Off the loop it is answered throughout (over 200 here).
    expect(answeredDuringBurst).toBeGreaterThanOrEqual(2 * LOGINS);
  });
});
