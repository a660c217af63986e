// The session cookie over HTTP and the Socket.IO handshake: its attributes, logout
// revoking every copy of it, and secret rotation keeping people signed in.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealSession } from "../../lib/accounts/session";
import { sessionCookie, startTestServer, type TestServer } from "../testing/test-server";

/** A guest is told apart from others of its name by a tag (lib/people.ts). */
const GUEST_TAG = /^\d{4}$/;

const OLD_SECRET = "the-secret-before-rotation-0123456789abcdef";
const NEW_SECRET = "the-secret-after-rotation-0123456789abcdefgh";
const PASSWORD = "correct horse battery";

let app: TestServer;
let counter = 0;
const uniqueName = () => `sess${++counter}x${Date.now() % 100_000}`;

beforeAll(async () => {
  app = await startTestServer({ SESSION_SECRET: OLD_SECRET });
});
afterAll(async () => {
  await app.close();
});

const post = (target: TestServer, path: string, json: unknown, headers: Record<string, string> = {}) =>
  target.request(path, { method: "POST", json, headers });

async function whoIs(target: TestServer, cookie: string) {
  return ((await (await target.request("/api/auth/me", { headers: { cookie } })).json()) as { user: unknown }).user;
}

async function handshakeIdentity(target: TestServer, cookie: string, room: string) {
  const client = await target.connect({ cookie });
  const reply = (await client.timeout(5000).emitWithAck("room:join", { room })) as { ok: boolean; you?: unknown };
  client.disconnect();
  return reply.you;
}

function setCookieHeader(response: Response): string {
  const header = response.headers.getSetCookie().find((value) => value.startsWith("livechat_session="));
  if (!header) throw new Error("no session cookie set");
  return header;
}

describe("the session cookie", () => {
  it("is HttpOnly, SameSite=Lax, whole-site and not Secure over plain HTTP", async () => {
    const header = setCookieHeader(await post(app, "/api/auth/register", { username: uniqueName(), password: PASSWORD }));
    expect(header).toMatch(/; HttpOnly/i);
    expect(header).toMatch(/; SameSite=Lax/i);
    expect(header).toMatch(/; Path=\//i);
    expect(header).toMatch(/; Max-Age=\d+/i);
    expect(header).not.toMatch(/; Secure/i);
  });

  it("is Secure when the site is served over HTTPS (behind a proxy that says so)", async () => {
    const response = await post(app, "/api/auth/guest", { name: "securekim" }, { "x-forwarded-proto": "https" });
    expect(setCookieHeader(response)).toMatch(/; Secure/i);
  });

  it("is cleared by logout", async () => {
    const cookie = sessionCookie(await post(app, "/api/auth/register", { username: uniqueName(), password: PASSWORD }));
    const header = setCookieHeader(await post(app, "/api/auth/logout", {}, { cookie }));
    expect(header).toMatch(/^livechat_session=;/);
    expect(header).toMatch(/Max-Age=0/i);
  });
});

describe("logging out", () => {
  it("makes a copy of the old cookie no login over HTTP", async () => {
    const username = uniqueName();
    const copy = sessionCookie(await post(app, "/api/auth/register", { username, password: PASSWORD }));
    expect(await whoIs(app, copy)).toEqual({ username, guest: false });
    expect((await post(app, "/api/auth/logout", {}, { cookie: copy })).status).toBe(204);
    expect(await whoIs(app, copy)).toEqual({ username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) });
    const posted = await post(app, `/api/rooms/logout-${counter}/messages`, { content: "as who?" }, { cookie: copy });
    expect(((await posted.json()) as { message: { username: string; guest: boolean } }).message).toMatchObject({
      username: "anon",
      guest: true,
    });
  });

  it("makes a copy of the old cookie no login in the Socket.IO handshake", async () => {
    const username = uniqueName();
    const copy = sessionCookie(await post(app, "/api/auth/register", { username, password: PASSWORD }));
    const room = `logout-socket-${Date.now()}`;
    expect(await handshakeIdentity(app, copy, room)).toEqual({ username, guest: false });
    await post(app, "/api/auth/logout", {}, { cookie: copy });
    expect(await handshakeIdentity(app, copy, room)).toEqual({ username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) });
  });

  it("leaves a login made after the logout working", async () => {
    const username = uniqueName();
    const first = sessionCookie(await post(app, "/api/auth/register", { username, password: PASSWORD }));
    await post(app, "/api/auth/logout", {}, { cookie: first });
    const second = sessionCookie(await post(app, "/api/auth/login", { username, password: PASSWORD }));
    expect(await whoIs(app, second)).toEqual({ username, guest: false });
    expect(await whoIs(app, first)).toEqual({ username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) });
  });
});

describe("rotating SESSION_SECRET", () => {
  it("keeps a cookie sealed with the previous secret signed in, and seals new cookies with the new one", async () => {
    const username = uniqueName();
    const before = sessionCookie(await post(app, "/api/auth/register", { username, password: PASSWORD }));
    const rotated = await startTestServer({ SESSION_SECRET: NEW_SECRET, SESSION_SECRET_PREVIOUS: OLD_SECRET });
    const unrotated = await startTestServer({ SESSION_SECRET: NEW_SECRET });
    try {
      // The account must exist on the rotated servers too: their stores are their own.
      await post(rotated, "/api/auth/register", { username, password: PASSWORD });
      await post(unrotated, "/api/auth/register", { username, password: PASSWORD });
      expect(await whoIs(rotated, before)).toEqual({ username, guest: false });
      expect(await handshakeIdentity(rotated, before, `rotation-${Date.now()}`)).toEqual({ username, guest: false });
      expect(await whoIs(unrotated, before)).toEqual({ username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) });

      const after = sessionCookie(await post(rotated, "/api/auth/login", { username, password: PASSWORD }));
      expect(await whoIs(unrotated, after)).toEqual({ username, guest: false });
    } finally {
      await rotated.close();
      await unrotated.close();
    }
  });
});

describe("forged cookies", () => {
  it("reads a seal made with another secret as a guest, over HTTP and in the handshake", async () => {
    const username = uniqueName();
    await post(app, "/api/auth/register", { username, password: PASSWORD });
    const forged = `livechat_session=${await sealSession({ username, version: 0 }, ["x".repeat(40)])}`;
    expect(await whoIs(app, forged)).toEqual({ username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) });
    expect(await handshakeIdentity(app, forged, `forged-${Date.now()}`)).toEqual({ username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) });
  });

  it("reads a seal that claims a newer session version than the account's as a guest", async () => {
    const username = uniqueName();
    await post(app, "/api/auth/register", { username, password: PASSWORD });
    const future = `livechat_session=${await sealSession({ username, version: 7 }, [OLD_SECRET])}`;
    expect(await whoIs(app, future)).toEqual({ username: "anon", guest: true, tag: expect.stringMatching(GUEST_TAG) });
  });
});

describe("the client address", () => {
  it("is the connecting peer's, so requests from two loopback addresses are told apart", async () => {
    // Guards the throttling tests' premise: Linux routes all of 127.0.0.0/8 to loopback.
    const { port } = new URL(app.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/api/health", localAddress: "127.0.0.2" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(200);
  });
});
