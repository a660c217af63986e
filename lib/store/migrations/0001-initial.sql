-- Users, rooms and their messages: what the Store interface keeps (lib/store/store.ts).

-- A username is unique whatever its case: name_key is its lower-cased form, computed
-- by the application (JavaScript's toLowerCase), so every store compares names alike.
CREATE TABLE users (
  name_key text PRIMARY KEY,
  username text NOT NULL,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  session_version integer NOT NULL DEFAULT 0
);

-- Username claims: a name's skeleton (its look-alike key, lib/names.ts) and the
-- name that holds it; the primary key makes the first claim win on every node.
CREATE TABLE usernames (
  skeleton text PRIMARY KEY,
  username text NOT NULL
);

-- One row per room that has messages or an owner. next_seq is the seq its next
-- message gets: an append locks this row, so a room's appends run one after the
-- other whichever node makes them, and a rolled-back append gives its seq back.
CREATE TABLE rooms (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  next_seq bigint NOT NULL DEFAULT 1,
  owner text
);

CREATE TABLE messages (
  room_id bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  id uuid NOT NULL,
  username text NOT NULL,
  guest boolean NOT NULL,
  content text NOT NULL,
  sent_at timestamptz NOT NULL,
  client_id text,
  -- A guest's tag, sent to clients; and the author's key, which never leaves the store.
  tag text,
  author text,
  PRIMARY KEY (room_id, seq)
);

-- A clientId is stored once per room: a retry, from any node, finds the first message.
CREATE UNIQUE INDEX messages_client_id ON messages (room_id, client_id) WHERE client_id IS NOT NULL;

-- Values every node must share, such as the generated session secret.
CREATE TABLE settings (
  name text PRIMARY KEY,
  value text NOT NULL
);
