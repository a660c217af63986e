"use client";
// "Type a room name and you are in it": normalises the name as the server will
// and explains a bad one before any request is made.
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { ChatError } from "@/lib/errors";
import { normalizeRoomName } from "@/lib/names";

export function RoomForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const inputId = `${id}-room`;
  const errorId = `${id}-error`;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get("room");
    try {
      const name = normalizeRoomName(typeof value === "string" ? value : "");
      setError(null);
      router.push(`/rooms/${encodeURIComponent(name)}`);
    } catch (err) {
      setError(err instanceof ChatError ? err.message : "That is not a room name.");
    }
  }

  return (
    <form className="room-form" onSubmit={onSubmit} noValidate>
      <label htmlFor={inputId}>Room name</label>
      <div className="field-row">
        <input
          id={inputId}
          name="room"
          type="text"
          placeholder="lobby"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          enterKeyHint="go"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={() => setError(null)}
        />
        <button type="submit" className="button primary">
          Join
        </button>
      </div>
      {error ? (
        <p id={errorId} role="alert" className="field-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
