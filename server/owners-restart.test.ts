// kill -9 right after the acks of a room's keepers, then a restart on the same
// DATA_DIR (the default store, SQLite): the topic, the visibility, the moderators,
// the bans (an account's, and a guest's by its session), the mute and the audit log
// are all still there, and still obeyed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import type { JoinReply, RoomSettings } from "../lib/protocol";
import { killAll, startServerProcess } from "./testing/server-process";
import { emitAck as emit } from "./testing/socket-calls";
import { connectSocket, sessionCookie, type TestClient } from "./testing/test-server";

const PASSWORD = "a long enough password";
const ROOM = "keepers-room";

let dataDir: string | undefined;
const clients: TestClient[] = [];
afterAll(async () => {
  for (const client of clients) client.disconnect();
  killAll();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function connect(url: string, cookie: string): Promise<TestClient> {
  return connectSocket(url, { cookie, opened: (client) => clients.push(client) });
}

async function post(url: string, route: string, json: unknown): Promise<Response> {
  return fetch(url + route, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) });
}

async function signUp(url: string, username: string): Promise<string> {
  const response = await post(url, "/api/auth/register", { username, password: PASSWORD });
  expect(response.status).toBe(201);
  return sessionCookie(response);
}

it("keeps the settings, bans, mute and audit log of a room through a kill -9 right after the acks", async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "livechat-owners-kill-"));
  const first = await startServerProcess(dataDir);
  const cookies = new Map<string, string>();
  for (const name of ["ada", "mia", "lee", "max", "stranger"]) cookies.set(name, await signUp(first.url, name));
  const named = await post(first.url, "/api/auth/guest", { name: "troll" });
  expect(named.status).toBe(200);
  // A guest's first visit begins its guest session, which its ban is kept under (as a browser's page does).
  const visit = await fetch(`${first.url}/api/auth/me`, { headers: { cookie: sessionCookie(named) } });
  cookies.set("troll", sessionCookie(visit));

  const ada = await connect(first.url, cookies.get("ada")!);
  expect(await emit(ada, "room:join", { room: ROOM })).toMatchObject({ ok: true, role: "owner" });
  // max and the guest are in the room when it becomes private: they stay members.
  for (const name of ["max", "troll"]) expect((await emit(await connect(first.url, cookies.get(name)!), "room:join", { room: ROOM })).ok).toBe(true);

  const keep = async (event: string, payload: object) => expect(await emit(ada, event, { room: ROOM, ...payload })).toMatchObject({ ok: true });
  await keep("room:moderate", { action: "ban", username: "troll", reason: "spam" });
  await keep("room:moderate", { action: "ban", username: "lee", reason: "abuse", durationS: 86_400 });
  await keep("room:moderate", { action: "mute", username: "max" });
  await keep("room:moderate", { action: "promote", username: "mia" });
  await keep("room:configure", { topic: "Launch day", visibility: "private", slowModeS: 5 });
  // The kill comes right after the last ack: nothing acknowledged may be lost.
  await first.kill();

  const second = await startServerProcess(dataDir);
  const details = await fetch(`${second.url}/api/rooms/${ROOM}`, { headers: { cookie: cookies.get("ada")! } });
  expect(details.status).toBe(200);
  const { settings } = (await details.json()) as { settings: RoomSettings };
  expect(settings).toMatchObject({ topic: "Launch day", visibility: "private", slowModeS: 5, readOnly: false, owner: "ada", moderators: ["mia"] });

  const join = async (name: string) => emit<JoinReply>(await connect(second.url, cookies.get(name)!), "room:join", { room: ROOM });
  expect(await join("mia")).toMatchObject({ ok: true, role: "moderator" });
  expect(await join("lee")).toMatchObject({ ok: false, error: { code: "forbidden", message: expect.stringMatching(/^You are banned from room "keepers-room" until .* \(abuse\)\.$/) } });
  expect(await join("troll")).toMatchObject({ ok: false, error: { code: "forbidden", message: `You are banned from room "${ROOM}" (spam).` } });
  expect(await join("stranger")).toMatchObject({ ok: false, error: { code: "forbidden", message: expect.stringContaining("is private") } });

  const max = await connect(second.url, cookies.get("max")!);
  expect(await emit(max, "room:join", { room: ROOM })).toMatchObject({ ok: true, role: "member" });
  expect(await emit(max, "message:send", { room: ROOM, content: "can I talk?" })).toMatchObject({
    ok: false,
    error: { code: "forbidden", message: `You are muted in room "${ROOM}": you may read but not post.` },
  });

  const audit = await fetch(`${second.url}/api/rooms/${ROOM}/audit`, { headers: { cookie: cookies.get("ada")! } });
  const { entries } = (await audit.json()) as { entries: Array<{ by: string; action: string; username?: string; detail?: string }> };
  expect(entries.map(({ by, action, username, detail }) => [by, action, username ?? detail])).toEqual([
    ["ada", "configure", "slowModeS 5"],
    ["ada", "configure", "visibility private"],
    ["ada", "configure", "topic Launch day"],
    ["ada", "promote", "mia"],
    ["ada", "mute", "max"],
    ["ada", "ban", "lee"],
    ["ada", "ban", "troll"],
  ]);
  await second.kill();
}, 60_000);
