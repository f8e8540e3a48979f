-- The audit log (see docs/audit-log.md). Keep this file and its twin under
-- db/migration/postgresql identical except for column types.

-- One row per event; seq is the entry's index, and so its leaf index in the Merkle tree.
-- leaf_hash = RFC 9162 leaf hash of the entry's canonical encoding (which includes seq);
-- verification recomputes it from the other columns, it is stored to serve proofs.
CREATE TABLE audit_entries (
  seq          INTEGER PRIMARY KEY CHECK (seq >= 0),
  event_time   BIGINT NOT NULL, -- microseconds since 1970-01-01T00:00:00Z
  event_type   TEXT   NOT NULL,
  trace_id     TEXT   NOT NULL, -- '' when the event has none, as for the next three
  session_id   TEXT   NOT NULL,
  actor        TEXT   NOT NULL,
  counterparty TEXT   NOT NULL,
  agreement_id TEXT   NOT NULL,
  digest       BLOB   NOT NULL, -- empty when the event has none
  details      TEXT   NOT NULL, -- canonical JSON object (sorted keys, no spaces)
  leaf_hash    BLOB   NOT NULL
);

CREATE INDEX audit_entries_trace ON audit_entries (trace_id, seq);

-- Signed tree heads: the node's signature (ECDSA P-256, SHA256withECDSA, DER) over
-- TreeHead.encode() of (tree_size, head_time, root_hash), and the SHA-256 fingerprint (hex)
-- of the DER certificate whose key signed it.
CREATE TABLE audit_tree_heads (
  tree_size          BIGINT PRIMARY KEY CHECK (tree_size >= 0),
  head_time          BIGINT NOT NULL, -- milliseconds since 1970-01-01T00:00:00Z
  root_hash          BLOB  NOT NULL,
  signature          BLOB  NOT NULL,
  signer_fingerprint TEXT   NOT NULL
);
