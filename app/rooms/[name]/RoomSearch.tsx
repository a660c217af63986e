// Search in the room: the room's messages holding the words typed, newest first,
// matched words marked; choosing one shows it in context in the message log.
import { useId, useState, type FormEvent } from "react";
import type { Message } from "@/lib/protocol";
import { getJson } from "../../utils/api";
import { Highlighted } from "./Highlighted";

const RESULTS = 20;

interface Props {
  room: string;
  onJump: (seq: number) => void;
}

export function RoomSearch({ room, onJump }: Props) {
  const id = useId();
  const [text, setText] = useState("");
  const [results, setResults] = useState<{ query: string; messages: Message[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);

  async function search(event: FormEvent) {
    event.preventDefault();
    const query = text.trim();
    if (!query) return;
    setSearching(true);
    setError(null);
    const result = await getJson<{ messages: Message[] }>(
      `/api/rooms/${encodeURIComponent(room)}/search?q=${encodeURIComponent(query)}&limit=${RESULTS}`,
    );
    setSearching(false);
    if (!result.ok) {
      setError(result.error.message);
      setResults(null);
      return;
    }
    setResults({ query, messages: result.data.messages });
  }

  return (
    <section className="room-search" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} className="sr-only">
        Search this room
      </h2>
      <form role="search" onSubmit={search} className="room-search-form">
        <input
          type="search"
          value={text}
          onChange={(event) => setText(event.target.value)}
          aria-label={`Search messages in ${room}`}
          placeholder="Search this room"
          maxLength={200}
        />
        <button type="submit" className="button subtle" disabled={searching}>
          {searching ? "Searching…" : "Search"}
        </button>
      </form>
      {error ? (
        <p role="alert" className="field-error">
          {error}
        </p>
      ) : null}
      {results ? (
        <div role="status" className="room-search-results">
          <p className="room-search-summary">
            {results.messages.length === 0
              ? `No message matches “${results.query}”.`
              : `${results.messages.length === RESULTS ? `The newest ${RESULTS}` : results.messages.length} ${results.messages.length === 1 ? "message matches" : "messages match"} “${results.query}”.`}
          </p>
          <ol aria-label="Search results">
            {results.messages.map((message) => (
              <li key={message.id}>
                <button type="button" className="room-search-result" onClick={() => onJump(message.seq)} data-testid="search-result">
                  <span className="message-author" dir="auto">
                    {message.username}
                  </span>{" "}
                  <span dir="auto">
                    <Highlighted text={message.content} ranges={message.highlight ?? []} />
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </section>
  );
}
