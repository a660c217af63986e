// Login and registration throttling over HTTP: 429 rate_limited with Retry-After,
// per client address and per account. Each test runs its own server so counts start at 0.
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";

const PASSWORD = "correct horse battery";
let app: TestServer | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  code: string | undefined;
}

/** POSTs JSON from a chosen loopback address (127.0.0.x), as if from another machine. */
function postFrom(from: string, path: string, json: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const { port, hostname } = new URL(app!.url);
  const body = JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        path,
        method: "POST",
        localAddress: from,
        headers: { "content-type": "application/json", ...headers },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => {
          const parsed = text ? (JSON.parse(text) as { error?: { code: string } }) : {};
          const retryAfter = res.headers["retry-after"];
          resolve({ status: res.statusCode ?? 0, retryAfter, code: parsed.error?.code });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("login throttling", () => {
  it("answers the 6th failed login in a minute from one address with 429 rate_limited and Retry-After", async () => {
    app = await startTestServer();
    await postFrom("127.0.0.1", "/api/auth/register", { username: "victim", password: PASSWORD });
    for (let i = 0; i < 5; i++) {
      expect((await postFrom("127.0.0.3", "/api/auth/login", { username: `guess${i}`, password: "wrong guess" })).status).toBe(401);
    }
    const sixth = await postFrom("127.0.0.3", "/api/auth/login", { username: "victim", password: PASSWORD });
    expect(sixth).toMatchObject({ status: 429, code: "rate_limited" });
    expect(Number(sixth.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(sixth.retryAfter)).toBeLessThanOrEqual(60);
    const metrics = await (await fetch(`${app!.url}/api/metrics`)).text();
    expect(metrics).toMatch(/^livechat_rate_limited_total(\{[^}]*\})? 1$/m);
    // Another address is not held up by this one's failures.
    expect((await postFrom("127.0.0.4", "/api/auth/login", { username: "victim", password: PASSWORD })).status).toBe(200);
  });

  it("answers the 6th failed login against one account from anywhere with 429", async () => {
    app = await startTestServer();
    await postFrom("127.0.0.1", "/api/auth/register", { username: "target", password: PASSWORD });
    for (let i = 0; i < 5; i++) {
      const answer = await postFrom(`127.0.0.${10 + i}`, "/api/auth/login", { username: "Target", password: "wrong guess" });
      expect(answer.status).toBe(401);
    }
    const sixth = await postFrom("127.0.0.20", "/api/auth/login", { username: "target", password: "wrong guess" });
    expect(sixth).toMatchObject({ status: 429, code: "rate_limited" });
    expect(Number(sixth.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it("does not count successful logins", async () => {
    app = await startTestServer();
    await postFrom("127.0.0.1", "/api/auth/register", { username: "regular", password: PASSWORD });
    for (let i = 0; i < 8; i++) {
      expect((await postFrom("127.0.0.5", "/api/auth/login", { username: "regular", password: PASSWORD })).status).toBe(200);
    }
  });
});

describe("the address throttling counts", () => {
  const failFrom = (from: string, forwardedFor: string) =>
    postFrom(from, "/api/auth/login", { username: `guess${forwardedFor.length}`, password: "wrong guess" }, { "x-forwarded-for": forwardedFor });

  it("ignores X-Forwarded-For by default, so a client cannot dodge the limit by making addresses up", async () => {
    app = await startTestServer();
    for (let i = 0; i < 5; i++) expect((await failFrom("127.0.0.8", `10.0.0.${i}`)).status).toBe(401);
    expect(await failFrom("127.0.0.8", "10.0.0.99")).toMatchObject({ status: 429, code: "rate_limited" });
  });

  it("is the proxy's last X-Forwarded-For entry with TRUST_PROXY, so clients behind one proxy are told apart", async () => {
    app = await startTestServer({ TRUST_PROXY: "true" });
    for (let i = 0; i < 5; i++) expect((await failFrom("127.0.0.9", "spoofed, 10.0.0.1")).status).toBe(401);
    expect(await failFrom("127.0.0.9", "another-spoof, 10.0.0.1")).toMatchObject({ status: 429, code: "rate_limited" });
    expect((await failFrom("127.0.0.9", "10.0.0.2")).status).toBe(401);
  });
});

describe("registration throttling", () => {
  it("answers the 11th registration in an hour from one address with 429 rate_limited", async () => {
    app = await startTestServer();
    for (let i = 0; i < 10; i++) {
      expect((await postFrom("127.0.0.6", "/api/auth/register", { username: `newbie${i}x`, password: PASSWORD })).status).toBe(201);
    }
    const eleventh = await postFrom("127.0.0.6", "/api/auth/register", { username: "newbie99x", password: PASSWORD });
    expect(eleventh).toMatchObject({ status: 429, code: "rate_limited" });
    expect(Number(eleventh.retryAfter)).toBeGreaterThan(3000);
    expect((await postFrom("127.0.0.7", "/api/auth/register", { username: "newbie99x", password: PASSWORD })).status).toBe(201);
  });
});
