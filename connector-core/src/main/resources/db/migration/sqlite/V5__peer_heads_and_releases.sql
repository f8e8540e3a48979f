-- Holding peers to the audit-log heads they signed, and results being released (see
-- docs/audit-log.md, "Holding nodes to their heads", and README, "Results and retention").
-- Keep this file and its twin under db/migration/postgresql identical except for column types.

-- The signed tree head of each peer's audit log that this node holds the peer to: the largest
-- head it received whose consistency with the one before it was proven. One row per peer.
CREATE TABLE audit_peer_heads (
  participant        TEXT   PRIMARY KEY, -- the peer's participant id (its certificate's)
  tree_size          BIGINT NOT NULL CHECK (tree_size > 0),
  head_time          BIGINT NOT NULL, -- milliseconds since 1970-01-01T00:00:00Z, as signed
  root_hash          BLOB   NOT NULL,
  signature          BLOB   NOT NULL, -- the peer's SHA256withECDSA (DER) over the head
  signer_fingerprint TEXT   NOT NULL, -- lower-case hex SHA-256 of signer_certificate
  signer_certificate BLOB   NOT NULL, -- DER, as the peer presented it
  received_ms        BIGINT NOT NULL
);

-- The sizes of this node's own signed heads handed to each participant: the consistency proofs
-- between them are what that participant may ask for.
CREATE TABLE audit_heads_issued (
  participant TEXT   NOT NULL,
  tree_size   BIGINT NOT NULL CHECK (tree_size > 0),
  issued_ms   BIGINT NOT NULL, -- when first handed out
  PRIMARY KEY (participant, tree_size)
);

-- A result being released: written before RESULT_RELEASED is appended, removed once the output
-- file is registered (RESULT_KEPT). A row found at start is a release a crash interrupted.
CREATE TABLE result_releases (
  session_id   TEXT   PRIMARY KEY,
  agreement_id TEXT   NOT NULL,
  trace_id     TEXT   NOT NULL,
  output_path  TEXT   NOT NULL, -- absolute
  started_ms   BIGINT NOT NULL
);
