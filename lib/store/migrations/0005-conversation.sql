-- Conversation (v1.1): edits, tombstones, replies, reactions and pins. A change locks
-- the message's row (SELECT ... FOR UPDATE) and is announced on the feed in its own
-- transaction, so nodes apply changes to one message one after the other.

ALTER TABLE messages
  ADD COLUMN edited_at timestamptz,
  ADD COLUMN deleted boolean NOT NULL DEFAULT false,
  ADD COLUMN reply_to bigint,
  -- The reactions with the reactors' keys (lib/store/store.ts KeptReaction[]); NULL for none.
  ADD COLUMN reactions jsonb,
  ADD COLUMN pinned boolean NOT NULL DEFAULT false;
