// Security headers on every API answer, whatever the answer is.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";
import { API_POLICY, pagePolicy } from "./security-headers";

let app: TestServer;

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});

const EXPECTED = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "strict-origin-when-cross-origin",
  "cross-origin-opener-policy": "same-origin",
};

describe("security headers", () => {
  it.each([
    ["a JSON answer", "GET", "/api/health", undefined, 200],
    ["a not-found route", "GET", "/api/nothing-here", undefined, 404],
    ["a refused body", "POST", "/api/auth/login", "not json", 400],
    ["a 204", "POST", "/api/auth/logout", undefined, 204],
    ["a page request on a node without pages", "GET", "/rooms/lobby", undefined, 404],
  ])("are on %s", async (_, method, path, body, status) => {
    const response = await app.request(path, {
      method,
      ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
    });
    expect(response.status).toBe(status);
    for (const [name, value] of Object.entries(EXPECTED)) expect(response.headers.get(name), name).toBe(value);
    const policy = response.headers.get("content-security-policy");
    if (path.startsWith("/api/")) expect(policy).toBe(API_POLICY);
    else expect(policy).toBe(pagePolicy({ dev: false, https: false }, new URL(app.url).host));
    expect(response.headers.get("strict-transport-security")).toBeNull();
  });

  it("add Strict-Transport-Security when a proxy says the request came over HTTPS", async () => {
    const response = await app.request("/api/health", { headers: { "x-forwarded-proto": "https" } });
    expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
  });
});

describe("the pages' Content-Security-Policy", () => {
  it("lets the page open its socket to its own host, and nowhere else", () => {
    const policy = pagePolicy({ dev: false, https: false }, "chat.example:3000");
    expect(policy).toContain("connect-src 'self' ws://chat.example:3000;");
    expect(pagePolicy({ dev: false, https: true }, "chat.example")).toContain("connect-src 'self' wss://chat.example;");
  });

  it("never lets a forged Host header add a source to the policy", () => {
    const policy = pagePolicy({ dev: false, https: false }, "evil.example; script-src *");
    expect(policy).toContain("connect-src 'self';");
    expect(policy).not.toContain("evil");
  });

  it("allows no plugins, no framing and no eval outside development", () => {
    const policy = pagePolicy({ dev: false, https: false }, "localhost:3000");
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain("unsafe-eval");
    expect(pagePolicy({ dev: true, https: false }, "localhost:3000")).toContain("'unsafe-eval'");
  });
});
