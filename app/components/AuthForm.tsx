"use client";
// Sign in or create an account, then go back to where the person came from.
import { useId, useState, type FormEvent } from "react";
import type { Identity } from "@/lib/protocol";
import { postJson } from "../utils/api";

type Mode = "login" | "register";

const TEXT: Record<Mode, { submit: string; busy: string; url: string }> = {
  login: { submit: "Sign in", busy: "Signing in…", url: "/api/auth/login" },
  register: { submit: "Create account", busy: "Creating account…", url: "/api/auth/register" },
};

export function AuthForm({ mode, next }: { mode: Mode; next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const text = TEXT[mode];

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = String(form.get("username") ?? "").trim();
    const password = String(form.get("password") ?? "");
    if (!username || !password) {
      setError("Please enter a username and a password.");
      return;
    }
    setBusy(true);
    setError(null);
    const result = await postJson<{ user: Identity }>(text.url, { username, password });
    if (!result.ok) {
      setBusy(false);
      setError(result.error.message);
      return;
    }
    // A full load, so every page and socket starts with the new session.
    window.location.assign(next);
  }

  return (
    <form className="auth-form" onSubmit={onSubmit} noValidate aria-busy={busy}>
      <div className="field">
        <label htmlFor={`${id}-username`}>Username</label>
        <input
          id={`${id}-username`}
          name="username"
          type="text"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          aria-describedby={mode === "register" ? `${id}-username-hint` : undefined}
        />
        {mode === "register" ? (
          <p id={`${id}-username-hint`} className="hint">
            3 to 32 letters, digits, “_” or “-”.
          </p>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete={mode === "register" ? "new-password" : "current-password"}
          required
          aria-describedby={mode === "register" ? `${id}-password-hint` : undefined}
        />
        {mode === "register" ? (
          <p id={`${id}-password-hint`} className="hint">
            At least 8 characters.
          </p>
        ) : null}
      </div>
      {error ? (
        <p role="alert" className="field-error">
          {error}
        </p>
      ) : null}
      <button type="submit" className="button primary" disabled={busy}>
        {busy ? text.busy : text.submit}
      </button>
    </form>
  );
}
