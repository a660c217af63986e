// The permission table: every action tried as owner, moderator, member, guest, muted,
// banned and a private room's stranger, over Socket.IO, HTTP and gRPC, each answer
// checked. The rules live once in lib/rooms; this shows every adapter obeys them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ack } from "../lib/protocol";
import { emitAck as emit } from "./testing/socket-calls";
import { connectGrpc, type GrpcCallOptions, type GrpcTestClient } from "./testing/test-clients";
import { sessionCookie, startTestServer, type TestServer } from "./testing/test-server";

const PASSWORD = "correct horse";
const ACTORS = ["owner", "moderator", "member", "guest", "muted", "banned", "stranger"] as const;
type ActorName = (typeof ACTORS)[number];
const ACTIONS = ["read", "post", "topic", "kick", "demote"] as const;
type Action = (typeof ACTIONS)[number];
type Outcome = "ok" | "forbidden";

/** What each actor may do: the table the issue asks for. */
const TABLE: Record<ActorName, Record<Action, Outcome>> = {
  owner: { read: "ok", post: "ok", topic: "ok", kick: "ok", demote: "ok" },
  moderator: { read: "ok", post: "ok", topic: "ok", kick: "ok", demote: "forbidden" },
  member: { read: "ok", post: "ok", topic: "forbidden", kick: "forbidden", demote: "forbidden" },
  guest: { read: "ok", post: "ok", topic: "forbidden", kick: "forbidden", demote: "forbidden" },
  muted: { read: "ok", post: "forbidden", topic: "forbidden", kick: "forbidden", demote: "forbidden" },
  banned: { read: "forbidden", post: "forbidden", topic: "forbidden", kick: "forbidden", demote: "forbidden" },
  stranger: { read: "forbidden", post: "forbidden", topic: "forbidden", kick: "forbidden", demote: "forbidden" },
};

interface Person {
  /** The room this actor is tried in: the stranger is tried in a private room. */
  room: string;
  cookie?: string;
  name?: string;
  grpc: GrpcCallOptions;
}

let app: TestServer;
let grpc: GrpcTestClient;
const suffix = `${Date.now() % 100000}`;
const lobby = `perm-lobby-${suffix}`;
const hideout = `perm-hideout-${suffix}`;
const people = new Map<ActorName, Person>();

async function signUp(username: string): Promise<{ cookie: string; token: string }> {
  const response = await app.request("/api/auth/register", { method: "POST", json: { username, password: PASSWORD } });
  expect(response.status).toBe(201);
  const { token } = await grpc.call<{ token: string }>("Login", { username, password: PASSWORD });
  return { cookie: sessionCookie(response), token };
}

const outcomeOfAck = (ack: Ack): string => (ack.ok ? "ok" : ack.error.code);
const outcomeOfStatus = async (response: Response): Promise<string> =>
  response.ok ? "ok" : ((await response.json()) as { error: { code: string } }).error.code;

beforeAll(async () => {
  app = await startTestServer({}, { authLimits: { registrationsPerIp: { limit: 1000, windowMs: 60_000 } } });
  grpc = connectGrpc(`127.0.0.1:${app.server.grpc!.port}`);
  const accounts = new Map<string, { cookie: string; token: string }>();
  for (const role of ["owner", "moderator", "member", "muted", "banned", "stranger", "victim"]) {
    accounts.set(role, await signUp(`${role}${suffix}`));
  }
  const person = (role: string, room = lobby): Person => {
    const { cookie, token } = accounts.get(role)!;
    return { room, cookie, grpc: { token } };
  };
  for (const role of ["owner", "moderator", "member", "muted", "banned"] as const) people.set(role, person(role));
  people.set("stranger", person("stranger", hideout));
  people.set("guest", { room: lobby, name: `guest${suffix}`, grpc: { name: `guest${suffix}` } });

  const owner = await app.connect({ cookie: people.get("owner")!.cookie! });
  for (const room of [lobby, hideout]) expect((await emit(owner, "room:join", { room })).ok).toBe(true);
  const moderate = async (room: string, action: string, role: string) =>
    expect(await emit(owner, "room:moderate", { room, action, username: `${role}${suffix}` })).toEqual({ ok: true });
  await moderate(lobby, "promote", "moderator");
  await moderate(lobby, "mute", "muted");
  await moderate(lobby, "ban", "banned");
  expect((await emit(owner, "room:configure", { room: hideout, visibility: "private" })).ok).toBe(true);
});

afterAll(async () => {
  grpc.close();
  await app.close();
});

/** Tries one action as one person over one transport; answers "ok" or the error code. */
async function attempt(transport: "socket" | "http" | "grpc", who: Person, action: Action): Promise<string> {
  const { room } = who;
  const victim = `victim${suffix}`;
  if (transport === "socket") {
    const client = await app.connect({ ...(who.cookie ? { cookie: who.cookie } : {}), ...(who.name ? { name: who.name } : {}) });
    try {
      const joined = await emit(client, "room:join", { room });
      if (action === "read") return outcomeOfAck(joined);
      if (action === "post") return joined.ok ? outcomeOfAck(await emit(client, "message:send", { room, content: "hi" })) : outcomeOfAck(joined);
      if (action === "topic") return outcomeOfAck(await emit(client, "room:configure", { room, topic: "by socket" }));
      return outcomeOfAck(await emit(client, "room:moderate", { room, action, username: victim }));
    } finally {
      client.disconnect();
    }
  }
  if (transport === "http") {
    const headers: Record<string, string> = who.cookie ? { cookie: who.cookie } : {};
    const path = `/api/rooms/${room}`;
    if (action === "read") return outcomeOfStatus(await app.request(`${path}/messages`, { headers }));
    if (action === "post") return outcomeOfStatus(await app.request(`${path}/messages`, { method: "POST", headers, json: { content: "hi" } }));
    if (action === "topic") return outcomeOfStatus(await app.request(path, { method: "PATCH", headers, json: { topic: "by http" } }));
    return outcomeOfStatus(await app.request(`${path}/moderation`, { method: "POST", headers, json: { action, username: victim } }));
  }
  const call = (method: string, request: object) =>
    grpc.call(method, request, who.grpc).then(
      () => "ok",
      (error: { metadata: { get(key: string): unknown[] } }) => String(error.metadata.get("livechat-error-code")[0]),
    );
  if (action === "read") return call("History", { room });
  if (action === "post") return call("Send", { room, content: "hi" });
  if (action === "topic") return call("Configure", { room, topic: "by grpc" });
  return call("Moderate", { room, action, username: victim });
}

describe("the permission table", () => {
  for (const transport of ["socket", "http", "grpc"] as const) {
    it(`holds over ${transport === "socket" ? "Socket.IO" : transport === "http" ? "HTTP" : "gRPC"}`, async () => {
      const answers: Record<string, Record<string, string>> = {};
      for (const actor of ACTORS) {
        answers[actor] = {};
        for (const action of ACTIONS) answers[actor][action] = await attempt(transport, people.get(actor)!, action);
      }
      expect(answers).toEqual(TABLE);
    });
  }
});
