// A guest picks the name others see. Registered names are refused (name_taken).
import { useId, useState, type FormEvent } from "react";
import type { Identity } from "@/lib/protocol";
import { postJson } from "../../utils/api";

export function GuestNameForm({ current, onChanged }: { current: string; onChanged: (user: Identity) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const name = String(new FormData(form).get("name") ?? "").trim();
    setBusy(true);
    setError(null);
    // No name means "back to anon".
    const result = await postJson<{ user: Identity }>("/api/auth/guest", name ? { name } : {});
    setBusy(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    form.reset(); // the placeholder shows the name in use
    onChanged(result.data.user);
  }

  return (
    <form className="guest-form" onSubmit={onSubmit} noValidate>
      <label htmlFor={`${id}-name`}>Guest name</label>
      <div className="field-row">
        <input
          id={`${id}-name`}
          name="name"
          type="text"
          placeholder={current}
          autoComplete="nickname"
          autoCapitalize="none"
          spellCheck={false}
          aria-describedby={error ? `${id}-error` : `${id}-hint`}
          aria-invalid={error ? true : undefined}
        />
        <button type="submit" className="button" disabled={busy}>
          Set name
        </button>
      </div>
      {error ? (
        <p id={`${id}-error`} role="alert" className="field-error">
          {error}
        </p>
      ) : (
        <p id={`${id}-hint`} className="hint">
          Empty means “anon”. Sign in to keep a name.
        </p>
      )}
    </form>
  );
}
