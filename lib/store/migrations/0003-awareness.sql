-- Awareness (issue 12): a person's rooms (the sidebar's list, in the order they were
-- added) and read markers, keyed by the person's key (lib/people.ts) and the room's
-- name. Neither goes with a room's row: a person's list and markers outlive a deleted
-- room, as in every other store (a marker past a room begun again is bounded by the
-- chat service).

CREATE TABLE person_rooms (
  person text NOT NULL,
  room text NOT NULL,
  -- The list's order: drawn from a sequence, so rooms added through two nodes at once
  -- still get one order, and a room added again keeps its place (the upsert leaves it).
  position bigint GENERATED ALWAYS AS IDENTITY,
  notify text NOT NULL,
  PRIMARY KEY (person, room)
);

CREATE TABLE read_markers (
  person text NOT NULL,
  room text NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (person, room)
);
