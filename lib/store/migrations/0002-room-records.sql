-- Rooms with owners: their settings, the keyed lists they keep about people (bans,
-- mutes, members of private rooms) and their audit log. All go with the room's row.

ALTER TABLE rooms ADD COLUMN settings jsonb;

CREATE TABLE room_entries (
  room_id bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  list text NOT NULL,
  key text NOT NULL,
  entry jsonb NOT NULL,
  PRIMARY KEY (room_id, list, key)
);

-- n orders a room's lines (newest highest); only the newest AUDIT_MAX are kept.
CREATE TABLE room_audit (
  room_id bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  n bigint GENERATED ALWAYS AS IDENTITY,
  entry jsonb NOT NULL,
  PRIMARY KEY (room_id, n)
);
