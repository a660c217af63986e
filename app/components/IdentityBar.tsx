"use client";
// Who you are on this site: "Signed in as X · Log out" or "Guest: anon · Sign in · Register".
// A page that already knows (the room, from its join ack) passes `user`; others ask /api/auth/me.
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import type { Identity } from "@/lib/protocol";
import { getJson, postJson } from "../utils/api";

export function IdentityBar({ user: known }: { user?: Identity | null }) {
  const [fetched, setFetched] = useState<Identity | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pathname = usePathname();

  useEffect(() => {
    if (known) return;
    const abort = new AbortController();
    getJson<{ user: Identity }>("/api/auth/me", abort.signal).then((result) => {
      if (abort.signal.aborted) return;
      if (result.ok) setFetched(result.data.user);
      else setError(result.error.message);
    });
    return () => abort.abort();
  }, [known]);

  const user = known ?? fetched;

  async function logOut() {
    setBusy(true);
    const result = await postJson<unknown>("/api/auth/logout");
    if (!result.ok) {
      setBusy(false);
      setError(result.error.message);
      return;
    }
    // A full load: open sockets must reconnect to pick up the new identity.
    window.location.reload();
  }

  const onAuthPage = pathname === "/login" || pathname === "/register";
  const next = onAuthPage || !pathname ? "" : `?next=${encodeURIComponent(pathname)}`;

  return (
    <nav className="identity" aria-label="Account" data-testid="identity">
      {!user ? (
        <span className="identity-pending">{error ?? "Checking who you are…"}</span>
      ) : user.guest ? (
        <>
          <span>
            Guest: <strong dir="auto">{user.username}</strong>
          </span>
          <Sep />
          <Link href={`/login${next}`}>Sign in</Link>
          <Sep />
          <Link href={`/register${next}`}>Register</Link>
        </>
      ) : (
        <>
          <span>
            Signed in as <strong dir="auto">{user.username}</strong>
          </span>
          <Sep />
          <button type="button" className="link-button" onClick={logOut} disabled={busy}>
            Log out
          </button>
        </>
      )}
      {user && error ? (
        <span role="alert" className="identity-error">
          {error}
        </span>
      ) : null}
    </nav>
  );
}

function Sep() {
  return (
    <span className="sep" aria-hidden="true">
      ·
    </span>
  );
}
