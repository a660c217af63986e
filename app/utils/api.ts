// The browser's side of the HTTP API: JSON in, JSON out, errors as sentences.
import type { ErrorBody } from "@/lib/protocol";

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ErrorBody };

const FALLBACK: ErrorBody = { code: "internal", message: "The server could not be reached; please try again." };

function errorFrom(body: unknown, status: number): ErrorBody {
  if (typeof body === "object" && body !== null && "error" in body) {
    const error = (body as { error: unknown }).error;
    if (typeof error === "object" && error !== null && typeof (error as ErrorBody).message === "string") {
      return error as ErrorBody;
    }
  }
  return { ...FALLBACK, message: `The server answered ${status}; please try again.` };
}

async function request<T>(url: string, init: RequestInit): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: "same-origin", cache: "no-store", ...init });
  } catch {
    return { ok: false, status: 0, error: FALLBACK };
  }
  const text = await response.text().catch(() => "");
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!response.ok) return { ok: false, status: response.status, error: errorFrom(body, response.status) };
  return { ok: true, status: response.status, data: body as T };
}

export function getJson<T>(url: string, signal?: AbortSignal): Promise<ApiResult<T>> {
  return request<T>(url, { method: "GET", headers: { Accept: "application/json" }, signal });
}

/** The server accepts only JSON bodies on state-changing routes, so even an empty POST sends `{}`. */
export function postJson<T>(url: string, body: unknown = {}): Promise<ApiResult<T>> {
  return request<T>(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
}

/** PUT or DELETE with a JSON body (the person's rooms and read markers). */
export function sendJson<T>(method: "PUT" | "DELETE", url: string, body: unknown = {}): Promise<ApiResult<T>> {
  return request<T>(url, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
}
