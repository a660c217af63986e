// The embedded store as `npm start` wires it: SQLite in DATA_DIR, or kept in
// memory only (and said so) when DATA_DIR is empty.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import type { Ack, Message, SendReply } from "../lib/protocol";
import { RecordingLogger } from "../lib/testing/fakes";
import { startTestServer, type TestServer } from "./testing/test-server";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function sendOne(app: TestServer, room: string, content: string): Promise<Message> {
  const client = await app.connect({ name: "kim" });
  await client.timeout(5000).emitWithAck("room:join", { room });
  const ack = (await client.timeout(5000).emitWithAck("message:send", { room, content, clientId: "c-1" })) as Ack<SendReply>;
  if (!ack.ok) throw new Error(JSON.stringify(ack.error));
  return ack.message;
}

async function history(app: TestServer, room: string): Promise<Message[]> {
  const response = await app.request(`/api/rooms/${room}/messages`);
  return ((await response.json()) as { messages: Message[] }).messages;
}

it("keeps messages in DATA_DIR across a restart of the server", async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "livechat-embedded-"));
  dirs.push(dataDir);
  const first = await startTestServer({ DATA_DIR: dataDir, STORE: "sqlite" });
  const sent = await sendOne(first, "kept-room", "still here after a restart");
  await first.close();
  expect(await readdir(dataDir)).toContain("livechat.db");

  const second = await startTestServer({ DATA_DIR: dataDir, STORE: "sqlite" });
  expect(await history(second, "kept-room")).toEqual([sent]);
  await second.close();
});

it("keeps nothing and says so when DATA_DIR is empty", async () => {
  const logger = new RecordingLogger();
  const first = await startTestServer({ DATA_DIR: "", STORE: "sqlite" }, { logger });
  await sendOne(first, "demo-room", "gone after a restart");
  await first.close();
  expect(logger.at("warn").map((line) => line.message)).toContain(
    "DATA_DIR is empty: no journal, everything is kept in memory only and a restart forgets it",
  );

  const second = await startTestServer({ DATA_DIR: "", STORE: "sqlite" });
  expect(await history(second, "demo-room")).toEqual([]);
  await second.close();
});
