// Registered users for the scenarios that need authenticated sockets.
export async function registerUser(url: string, username: string, password = "bench-password-1"): Promise<string> {
  const response = await fetch(`${url}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 201) throw new Error(`register ${username}: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith("livechat_session="));
  if (!cookie) throw new Error("register set no session cookie");
  return cookie.split(";")[0]!;
}

export function login(url: string, username: string, password = "bench-password-1"): Promise<Response> {
  return fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
}
