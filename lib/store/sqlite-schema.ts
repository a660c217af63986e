// The SQLite store's tables, created or brought up to date when the store opens.
// `PRAGMA user_version` counts the migrations applied; each later change (edits,
// reactions, settings...) appends one to MIGRATIONS and never edits an earlier one.
import type { Database } from "better-sqlite3";
import { TRIGRAM_CHARACTERS } from "./search-text";

/**
 * What the insert triggers on messages keep, filled for every message at once: how a
 * migration builds it over the messages already stored, and how a bulk load (the
 * scale bench) builds it once its rows are in, with those triggers set aside.
 * Migrations below use them, so none is ever edited: a changed index takes a new
 * migration, and its fill here.
 */
export const FILLS = {
  messages_fts_insert: "INSERT INTO messages_fts (rowid, room, content) SELECT num, 'r' || room_id, content FROM messages",
  rooms_activity:
    "UPDATE rooms SET (last_seq, last_at) = (SELECT seq, sent_at FROM messages WHERE room_id = rooms.id ORDER BY seq DESC LIMIT 1)",
  messages_cjk_insert: `INSERT INTO messages_cjk (rowid, room, content) SELECT num, '<' || room_id || '>', content FROM messages
    WHERE content GLOB '*[${TRIGRAM_CHARACTERS}]*'`,
} as const;

const MIGRATIONS: string[] = [
  `
  CREATE TABLE users (
    key TEXT PRIMARY KEY,              -- the username lower-cased: names are unique case-insensitively
    username TEXT NOT NULL,            -- as registered
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    session_version INTEGER            -- NULL until the first logout
  ) WITHOUT ROWID;

  -- Who holds each username's skeleton (its look-alike key, lib/names.ts).
  CREATE TABLE usernames (
    skeleton TEXT PRIMARY KEY,
    username TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE rooms (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    owner TEXT,
    settings TEXT                      -- JSON of RoomSettingsRecord; NULL until configured
  );

  -- A room's keyed lists (bans, mutes, members), one JSON RoomEntry per key.
  CREATE TABLE room_entries (
    room_id INTEGER NOT NULL,
    list TEXT NOT NULL,
    key TEXT NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (room_id, list, key)
  ) WITHOUT ROWID;

  -- A room's audit log, n growing per room; the newest AUDIT_MAX lines are kept.
  CREATE TABLE audit (
    room_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (room_id, n)
  ) WITHOUT ROWID;

  -- Clustered by (room, seq): a room's history is contiguous on disk, so reading a
  -- window or a page touches a few pages, not one per message.
  CREATE TABLE messages (
    room_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    num INTEGER NOT NULL,              -- the full-text index's rowid: grows in the order messages are stored
    id TEXT NOT NULL,
    username TEXT NOT NULL,
    guest INTEGER NOT NULL,
    tag TEXT,                          -- a guest's tag, shown with the name
    author TEXT,                       -- the author's key (lib/people.ts): kept, never answered
    content TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    client_id TEXT,
    PRIMARY KEY (room_id, seq)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX messages_by_num ON messages (num);
  -- The clientId rule without keeping clientIds in memory.
  CREATE UNIQUE INDEX messages_by_client_id ON messages (room_id, client_id) WHERE client_id IS NOT NULL;

  -- Data brought in from elsewhere (the journal of earlier versions), so a start
  -- cut off between the import's commit and renaming its source aside imports once.
  CREATE TABLE imports (
    source TEXT PRIMARY KEY,
    imported_at TEXT NOT NULL,
    records INTEGER NOT NULL
  );

  -- Words of every message for search: the room (a token "r<room id>", so a room's
  -- search walks only its own matches) and the content. Contentless (rows are read
  -- from messages), and the triggers keep it following content: an edit re-indexes
  -- a message, and a deletion (content emptied, or the row removed) takes it out.
  CREATE VIRTUAL TABLE messages_fts USING fts5 (
    room,
    content,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, room, content) VALUES (new.num, 'r' || new.room_id, new.content);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.num;
  END;
  CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.num;
    INSERT INTO messages_fts (rowid, room, content) VALUES (new.num, 'r' || new.room_id, new.content);
  END;
  `,
  `
  -- Awareness (issue 12): a person's rooms (the sidebar's list, in the order added) and
  -- read markers, keyed by the person's key (lib/people.ts) and the room's name. Neither
  -- goes with a room's row: a person's list and markers outlive a deleted room.
  CREATE TABLE person_rooms (
    person TEXT NOT NULL,
    room TEXT NOT NULL,
    position INTEGER NOT NULL,         -- the list's order: the person's greatest + 1 when added
    notify TEXT NOT NULL,              -- 'mentions' or 'all'
    PRIMARY KEY (person, room)
  ) WITHOUT ROWID;

  CREATE TABLE read_markers (
    person TEXT NOT NULL,
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (person, room)
  ) WITHOUT ROWID;

  -- Each room's newest message, kept by a trigger in the writer's commit, so the home
  -- page's rooms by activity read one index on this thread, not every room's history.
  ALTER TABLE rooms ADD COLUMN last_seq INTEGER;
  ALTER TABLE rooms ADD COLUMN last_at TEXT;
  ${FILLS.rooms_activity};
  CREATE INDEX rooms_by_activity ON rooms (last_at) WHERE last_at IS NOT NULL;
  CREATE TRIGGER rooms_activity AFTER INSERT ON messages BEGIN
    UPDATE rooms SET last_seq = new.seq, last_at = new.sent_at WHERE id = new.room_id AND (last_seq IS NULL OR last_seq < new.seq);
  END;
  `,
  `
  -- Conversation (v1.1): edits, tombstones, replies, reactions and pins. version counts a
  -- message's changes: a change is written only over the state it was computed from.
  ALTER TABLE messages ADD COLUMN edited_at TEXT;
  ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN reply_to INTEGER;
  -- JSON of the reactions with the reactors' keys (store.ts KeptReaction[]); NULL for none.
  ALTER TABLE messages ADD COLUMN reactions TEXT;
  ALTER TABLE messages ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
  -- A deleted or edited message's old words leave the index itself, not only its results.
  -- With contentless_delete a DELETE by rowid only marks the row gone and leaves its words
  -- in the index's segments until they happen to be merged. So the index becomes a plain
  -- contentless one, whose 'delete' command is given the old values and, with
  -- secure-delete on, takes those words out of the segments at once. It is rebuilt from
  -- the messages once, here (about as long as the first indexing of those messages).
  DROP TRIGGER messages_fts_insert;
  DROP TRIGGER messages_fts_delete;
  DROP TRIGGER messages_fts_update;
  DROP TABLE messages_fts;
  CREATE VIRTUAL TABLE messages_fts USING fts5 (
    room,
    content,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
  );
  INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
  ${FILLS.messages_fts_insert};
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, room, content) VALUES (new.num, 'r' || new.room_id, new.content);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, room, content) VALUES ('delete', old.num, 'r' || old.room_id, old.content);
  END;
  CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, room, content) VALUES ('delete', old.num, 'r' || old.room_id, old.content);
    INSERT INTO messages_fts (rowid, room, content) VALUES (new.num, 'r' || new.room_id, new.content);
  END;
  `,
  `
  -- Chinese and Japanese (schema version 4): unicode61 keeps a run of their characters as
  -- one word, so a word inside a run cannot be found. A second index cuts the messages
  -- holding such characters into trigrams (every 3 characters), which finds any three or
  -- more characters anywhere in a run; the room is the token "<room id>", whose
  -- delimiters keep "<1>" from matching inside "<12>". Only those messages are indexed
  -- (the GLOB below, the characters of search-text.ts's TRIGRAM_CHARACTERS): trigrams cost
  -- about three entries per character. The conditions of the triggers are the same
  -- GLOB, so a 'delete' is only ever handed a row the index holds.
  CREATE VIRTUAL TABLE messages_cjk USING fts5 (
    room,
    content,
    content = '',
    tokenize = 'trigram'
  );
  INSERT INTO messages_cjk (messages_cjk, rank) VALUES ('secure-delete', 1);
  ${FILLS.messages_cjk_insert};
  CREATE TRIGGER messages_cjk_insert AFTER INSERT ON messages WHEN new.content GLOB '*[${TRIGRAM_CHARACTERS}]*' BEGIN
    INSERT INTO messages_cjk (rowid, room, content) VALUES (new.num, '<' || new.room_id || '>', new.content);
  END;
  CREATE TRIGGER messages_cjk_delete AFTER DELETE ON messages WHEN old.content GLOB '*[${TRIGRAM_CHARACTERS}]*' BEGIN
    INSERT INTO messages_cjk (messages_cjk, rowid, room, content) VALUES ('delete', old.num, '<' || old.room_id || '>', old.content);
  END;
  CREATE TRIGGER messages_cjk_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_cjk (messages_cjk, rowid, room, content)
      SELECT 'delete', old.num, '<' || old.room_id || '>', old.content WHERE old.content GLOB '*[${TRIGRAM_CHARACTERS}]*';
    INSERT INTO messages_cjk (rowid, room, content)
      SELECT new.num, '<' || new.room_id || '>', new.content WHERE new.content GLOB '*[${TRIGRAM_CHARACTERS}]*';
  END;
  `,
];

/**
 * Runs `load` (a bulk insert of messages) with the insert triggers on messages set
 * aside, then fills what they keep for every row at once (FILLS) and puts the
 * triggers back as they were: the same schema, built as the migrations build it.
 */
export function bulkLoadMessages(db: Database, load: () => void): void {
  const triggers = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages' AND name IN (SELECT value FROM json_each(?))")
    .all(JSON.stringify(Object.keys(FILLS))) as Array<{ name: keyof typeof FILLS; sql: string }>;
  for (const trigger of triggers) db.exec(`DROP TRIGGER ${trigger.name}`);
  load();
  db.transaction(() => {
    for (const trigger of triggers) {
      db.exec(FILLS[trigger.name]);
      db.exec(trigger.sql);
    }
  })();
}

/**
 * Applies the migrations the file has not had yet, each in its own transaction, and
 * tells `applied` how long each took (a rebuild of the search index takes a while on
 * a long history: docs/performance.md, "Search").
 */
export function migrate(db: Database, applied?: (version: number, ms: number) => void): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `The database was written by a newer Livechat (schema version ${current}; this one knows ${MIGRATIONS.length}); run that version or restore a backup.`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    const started = performance.now();
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
    applied?.(version + 1, Math.round(performance.now() - started));
  }
}
