-- Full-text search (lib/store/postgres-search.ts): each message's words as search-text.ts
-- cuts and folds them, and its room as the lexeme '#<room id>', written by the
-- application with the message. NULL: not indexed yet (rows older than this column,
-- which the store indexes at start-up); searches read those too and check them.
ALTER TABLE messages ADD COLUMN search tsvector;

CREATE INDEX messages_search ON messages USING gin (search);
CREATE INDEX messages_unindexed ON messages (room_id, seq) WHERE search IS NULL;

-- A statement that changes a message's content without writing its words leaves the
-- old words behind; this trigger takes them away instead: an emptied message (a
-- deletion) is never found, any other one is unindexed until the store indexes it.
CREATE FUNCTION messages_search_follows_content() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.search IS NOT DISTINCT FROM OLD.search THEN
    NEW.search := CASE WHEN NEW.content = '' THEN ''::tsvector END;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER messages_search_follows_content
  BEFORE UPDATE OF content ON messages
  FOR EACH ROW WHEN (NEW.content IS DISTINCT FROM OLD.content)
  EXECUTE FUNCTION messages_search_follows_content();
