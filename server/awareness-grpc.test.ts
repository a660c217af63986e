// Awareness over gRPC against a real server: an account's read marker and rooms are one
// record whichever door sets them (gRPC, HTTP), with the same rules; a guest's rooms
// are refused on the server, as over HTTP.
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomUnread } from "../lib/protocol";
import { connectGrpc, type GrpcTestClient } from "./testing/test-clients";
import { sessionCookie, startTestServer, type TestServer } from "./testing/test-server";

let app: TestServer;
let grpc: GrpcTestClient;
let counter = 0;
const uniqueRoom = () => `awareness-grpc-${++counter}-${Date.now()}`;
const uniqueName = () => `reader${++counter}x${Date.now() % 100_000}`;
const PASSWORD = "correct horse battery";

beforeAll(async () => {
  app = await startTestServer();
  grpc = connectGrpc(`127.0.0.1:${app.server.grpc!.port}`);
});
afterAll(async () => {
  grpc.close();
  await app.close();
});

describe("read markers and a person's rooms over gRPC", () => {
  it("keeps one marker and one list for an account, never moving the marker back nor past the newest message", async () => {
    const room = uniqueRoom();
    const username = uniqueName();
    const registered = await app.request("/api/auth/register", { method: "POST", json: { username, password: PASSWORD } });
    expect(registered.status).toBe(201);
    const cookie = sessionCookie(registered);
    for (const content of ["one", "two", "three"]) {
      expect((await app.request(`/api/rooms/${room}/messages`, { method: "POST", json: { content } })).status).toBe(201);
    }
    const { token } = await grpc.call<{ token: string }>("Login", { username, password: PASSWORD });

    const added = await grpc.call<{ rooms: RoomUnread[] }>("AddMyRoom", { room, notify: "all" }, { token });
    expect(added.rooms).toEqual([{ room, seq: 3, lastReadSeq: 0, unread: 3, mentions: 0, notify: "all" }]);
    expect(await grpc.call("MarkRead", { room, seq: 2 }, { token })).toEqual({ lastReadSeq: 2 });
    expect(await grpc.call("MarkRead", { room, seq: 1 }, { token })).toEqual({ lastReadSeq: 2 });
    expect(await grpc.call("MarkRead", { room, seq: 99 }, { token })).toEqual({ lastReadSeq: 3 });

    const overHttp = (await (await app.request("/api/me/rooms", { headers: { cookie } })).json()) as { rooms: RoomUnread[] };
    expect(overHttp.rooms).toEqual([{ room, seq: 3, lastReadSeq: 3, unread: 0, mentions: 0, notify: "all" }]);
    expect(await grpc.call<{ rooms: RoomUnread[] }>("RemoveMyRoom", { room }, { token })).toEqual({ rooms: [] });
  });

  it("refuses a guest's rooms with unauthorized: they stay in its browser", async () => {
    expect(await grpc.fail("MyRooms", {}, { name: "visitor" })).toEqual({ code: status.UNAUTHENTICATED, errorCode: "unauthorized" });
    expect(await grpc.fail("AddMyRoom", { room: uniqueRoom() }, { name: "visitor" })).toEqual({ code: status.UNAUTHENTICATED, errorCode: "unauthorized" });
  });

  it("refuses a bad room name with invalid_room", async () => {
    expect((await grpc.fail("MarkRead", { room: "no/slash", seq: 1 }, { name: "visitor" })).errorCode).toBe("invalid_room");
  });
});
