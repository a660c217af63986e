// A page that drops and comes back is the same person: the room's others hear neither a
// leave nor a join, even when its rejoin comes after the departure grace (in a reconnect
// storm the server takes joins a few per turn, so many come late). Guards issue 16 item 8.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomNoticePush } from "../lib/protocol";
import { joinRoom } from "./testing/socket-calls";
import { sessionCookie, startTestServer, type TestServer } from "./testing/test-server";

const GRACE_MS = 500;
let app: TestServer;

beforeAll(async () => {
  app = await startTestServer({}, { departureGraceMs: GRACE_MS });
});
afterAll(async () => {
  await app.close();
});

/** A guest's cookie as a room page holds it: the name chosen, then the guest session begun by `/api/auth/me`. */
async function guestPageCookie(name: string): Promise<string> {
  const named = await app.request("/api/auth/guest", { method: "POST", json: { name } });
  expect(named.status).toBe(200);
  return sessionCookie(await app.request("/api/auth/me", { headers: { cookie: sessionCookie(named) } }));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a page back after a drop", () => {
  it("is announced neither gone nor back when its rejoin comes after the grace", async () => {
    const room = `rejoin-${Date.now().toString(36)}`;
    const watcher = await app.connect({ name: "watcher" });
    await joinRoom(watcher, room);
    const notices: RoomNoticePush[] = [];
    watcher.on("room:notice", (notice) => notices.push(notice));
    const cookie = await guestPageCookie("returner");
    const before = await app.connect({ cookie });
    await joinRoom(before, room);

    before.disconnect();
    await pause(GRACE_MS / 5);
    const back = await app.connect({ cookie });
    // The grace ends while the page is connected again but has not joined yet.
    await pause(GRACE_MS * 1.5);
    await joinRoom(back, room);
    // Long enough for the old connection's leave to be recorded (it changes nothing now).
    await pause(GRACE_MS * 4);

    const hers = notices.filter((notice) => notice.username === "returner").map((notice) => notice.kind);
    expect(hers).toEqual(["join"]);
    watcher.disconnect();
    back.disconnect();
  });
});
