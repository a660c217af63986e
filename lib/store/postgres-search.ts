// Full-text search of the PostgreSQL store: each message's `search` column (a tsvector
// with a GIN index, migrations/0004-search.sql) holds its words, and queries match them
// with a tsquery, as search-text.ts defines a match for every store.
//
// The words are cut and folded here, by search-text.ts, not by a text search
// configuration: PostgreSQL's parser cuts words otherwise than SQLite's unicode61 does
// (hyphenated words, e-mail addresses, "col:x"), no configuration removes diacritics
// without the unaccent extension, and lower() follows the database's locale. So no
// configuration is used at all, not even 'simple': the tsvector and the tsquery are
// written as literals of the words themselves. Nor is there stemming: SQLite's
// search has none ("zurichs" does not find "Zürich"), and neither does this one.
//
// Each vector also holds its room as the lexeme "#<room id>" (no word holds "#"), as
// SQLite's index holds "r<room id>": a room's search intersects the two in the index
// instead of reading every room's matches of a common word.
//
// The column is written with the message. A statement that changes `content` without
// writing `search` too (an edit made by code that does not know of it) leaves the row
// unindexed (NULL) through a trigger, an emptied one (a deletion) an empty vector.
// Queries read unindexed rows as well and every row is checked again with
// search-text.ts, so such a row is still found, only slower; start-up indexes them.
import type pg from "pg";
import type { Message } from "../protocol";
import { bestFirst, indexWords, isPrefixTerm, isTrigramWord, matchesAll, searchTerms, trigramsOf, withHighlight } from "./search-text";
import type { RoomSearch, RoomsSearch } from "./store";

/** Most recent matches ranked by searchRooms, as in the SQLite store: ranking every match of a common word reads most of the index. */
const RANKED_MATCHES = 2000;
/** Unindexed messages indexed per statement at start-up. */
const INDEX_BATCH = 500;

/** A lexeme (or query term) as a tsvector or tsquery literal: quoted, quotes and backslashes doubled. */
function quoted(word: string): string {
  return `'${word.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/**
 * The tsvector literal of the content's words (without its room: see SEARCH_VALUE), and
 * of the three-character windows of its Chinese and Japanese words as lexemes "~<three
 * characters>" (no word holds "~"), so a term of three or more such characters is found
 * inside a run (migrations/0007-cjk-search.sql).
 */
export function searchVector(content: string): string {
  return [...indexWords(content), ...trigramsOf(content).map((trigram) => `~${trigram}`)].map(quoted).join(" ");
}

/** A term as a tsquery: a Chinese or Japanese one by all its trigrams, a long enough one as a prefix. */
function termQuery(term: string): string {
  if (isTrigramWord(term)) return `(${trigramsOf(term).map((trigram) => quoted(`~${trigram}`)).join(" & ")})`;
  return `${quoted(term)}${isPrefixTerm(term) ? ":*" : ""}`;
}

/**
 * A tsquery literal matching every term and the room when given. Trigrams find a
 * superset (their order is not kept): every row is checked again with matchesAll.
 */
function searchQuery(terms: readonly string[], roomId?: string): string {
  const words = terms.map(termQuery);
  return (roomId === undefined ? words : [quoted(`#${roomId}`), ...words]).join(" & ");
}

/**
 * The SQL of the `search` column's value, from the tsvector literal of searchVector and the
 * room's id: what every statement that writes a message's content writes beside it.
 */
export function searchValue(vector: string, roomId: string): string {
  return `(${vector}::tsvector || array_to_tsvector(ARRAY['#' || ${roomId}]))`;
}

type Query = <R extends pg.QueryResultRow>(text: string, values: unknown[]) => Promise<pg.QueryResult<R>>;

/** What PostgresStore reads of a message row, and how it makes a message of one. */
export interface MessageReader<Row extends pg.QueryResultRow> {
  /** The columns of a message row, of `messages m`. */
  columns: string;
  toMessage(room: string, row: Row): Message;
}

export class PostgresSearch<Row extends pg.QueryResultRow> {
  constructor(
    private readonly query: Query,
    private readonly reader: MessageReader<Row>,
  ) {}

  /** The room's messages matching `text`, newest first, each with its highlight. */
  async searchRoom(room: string, text: string, options: RoomSearch): Promise<Message[]> {
    const terms = searchTerms(text);
    if (terms.length === 0) return [];
    const { rows: rooms } = await this.query<{ id: string }>("SELECT id FROM rooms WHERE name = $1", [room]);
    const roomId = rooms[0]?.id;
    if (roomId === undefined) return [];
    const match = searchQuery(terms, roomId);
    const found: Message[] = [];
    let before = options.before ?? Number.MAX_SAFE_INTEGER;
    // Pages of candidates until `limit` match: an unindexed candidate may not.
    while (found.length < options.limit) {
      const { rows } = await this.query<Row & { seq: string }>(
        `SELECT ${this.reader.columns} FROM messages m
         WHERE m.room_id = $1 AND m.seq < $2 AND (m.search @@ $3::tsquery OR m.search IS NULL)
         ORDER BY m.seq DESC LIMIT $4`,
        [roomId, before, match, options.limit],
      );
      for (const row of rows) {
        const message = this.reader.toMessage(room, row);
        if (found.length < options.limit && matchesAll(message.content, terms)) found.push(withHighlight(message, terms));
      }
      if (rows.length < options.limit) break;
      before = Number(rows.at(-1)!.seq);
    }
    return found;
  }

  /** Any room's (or the given rooms') matches: the best among the newest RANKED_MATCHES, then the newest. */
  async searchRooms(text: string, options: RoomsSearch): Promise<Message[]> {
    const terms = searchTerms(text);
    if (terms.length === 0 || options.rooms?.length === 0) return [];
    const { rows } = await this.query<Row & { room: string }>(
      `SELECT ${this.reader.columns}, r.name AS room FROM messages m JOIN rooms r ON r.id = m.room_id
       WHERE (m.search @@ $1::tsquery OR m.search IS NULL) AND ($3::text[] IS NULL OR r.name = ANY($3::text[]))
       ORDER BY m.sent_at DESC, m.seq DESC LIMIT $2`,
      [searchQuery(terms), RANKED_MATCHES, options.rooms ?? null],
    );
    const matching = rows.map((row) => this.reader.toMessage(row.room, row)).filter((message) => matchesAll(message.content, terms));
    return bestFirst(matching, terms, options.limit);
  }

  /**
   * Indexes the messages whose `search` is NULL (written before the column existed, or
   * edited by a statement that did not write it), a batch at a time, until none is left
   * or `stopped` says so. A row edited meanwhile is left for its new content.
   */
  async indexUnindexed(stopped: () => boolean): Promise<number> {
    let indexed = 0;
    while (!stopped()) {
      const { rows } = await this.query<{ room_id: string; seq: string; content: string }>(
        "SELECT room_id, seq, content FROM messages WHERE search IS NULL LIMIT $1",
        [INDEX_BATCH],
      );
      if (rows.length === 0) break;
      const { rowCount } = await this.query(
        `UPDATE messages m SET search = ${searchValue("v.vector", "m.room_id")}
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(room_id, seq, content, vector)
         WHERE m.room_id = v.room_id AND m.seq = v.seq AND m.content = v.content AND m.search IS NULL`,
        [rows.map((row) => row.room_id), rows.map((row) => row.seq), rows.map((row) => row.content), rows.map((row) => searchVector(row.content))],
      );
      indexed += rowCount ?? 0;
      // Every row changed under us: stop rather than read the same ones again.
      if (!rowCount) break;
    }
    return indexed;
  }
}
