-- Collaborations: agreements among N participants (see docs/collaborations.md). Keep this file and
-- its twin under db/migration/postgresql identical except for the binary type.

-- One row per collaboration as this node holds it; role says whether we proposed it.
CREATE TABLE collaborations (
  id         TEXT    PRIMARY KEY,
  role       TEXT    NOT NULL CHECK (role IN ('PROPOSER', 'MEMBER')),
  proposer   TEXT    NOT NULL,
  state      TEXT    NOT NULL,
  signed     BLOB    NOT NULL, -- the SignedCollaboration bytes this node holds (final: as all hold)
  reasons    TEXT    NOT NULL, -- JSON array of strings
  trace_id   TEXT    NOT NULL,
  expires_ms BIGINT  NOT NULL,
  created_ms BIGINT  NOT NULL,
  updated_ms BIGINT  NOT NULL,
  use_count  BIGINT  NOT NULL,
  version    BIGINT  NOT NULL
);

-- The signatures the proposer collected so far (and every member's own).
CREATE TABLE collaboration_signatures (
  collaboration_id TEXT NOT NULL REFERENCES collaborations (id),
  member           TEXT NOT NULL,
  signature        BLOB NOT NULL,
  certificate      BLOB NOT NULL,
  PRIMARY KEY (collaboration_id, member)
);

-- The outbox: the one message this node still has to deliver to each member.
CREATE TABLE collaboration_outbox (
  collaboration_id TEXT    NOT NULL REFERENCES collaborations (id),
  member           TEXT    NOT NULL,
  kind             TEXT    NOT NULL,
  message          BLOB    NOT NULL, -- serialized CollaborationMessage
  attempts         INTEGER NOT NULL,
  since_ms         BIGINT  NOT NULL,
  next_attempt_ms  BIGINT  NOT NULL,
  PRIMARY KEY (collaboration_id, member)
);

CREATE INDEX collaboration_outbox_due ON collaboration_outbox (next_attempt_ms);

-- Inbound messages already processed, by (collaboration, sender, slot), with the reply we gave and
-- the digest of the message: the same message again gets the reply, another one in its slot is
-- refused.
CREATE TABLE collaboration_messages (
  collaboration_id TEXT   NOT NULL REFERENCES collaborations (id),
  sender           TEXT   NOT NULL,
  kind             TEXT   NOT NULL, -- the slot: PROPOSAL, ANSWER or OUTCOME
  message_sha256   TEXT   NOT NULL,
  reply            BLOB   NOT NULL,
  created_ms       BIGINT NOT NULL,
  PRIMARY KEY (collaboration_id, sender, kind)
);
