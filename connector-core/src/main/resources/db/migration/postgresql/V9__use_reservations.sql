-- One use of an agreement (or of any terms with a use count) per computation session, reserved
-- exactly once per (terms, session id); see io.sluice.compute.runtime.JdbcUseLedger and
-- docs/runtime.md. The count itself stays with the terms (agreements.use_count): it holds the uses
-- RESERVED or SPENT. A session that failed before anything derived from this node's data left it
-- gives its use back (RETURNED); a SPENT session id never runs again.
-- Keep this file and its twin under the other vendor's folder identical.

CREATE TABLE use_reservations (
  terms_id    TEXT   NOT NULL,
  session_id  TEXT   NOT NULL,
  use_number  BIGINT NOT NULL, -- 1, 2, ...: the use this session counts as
  state       TEXT   NOT NULL, -- RESERVED, SPENT or RETURNED
  reserved_ms BIGINT NOT NULL,
  updated_ms  BIGINT NOT NULL,
  PRIMARY KEY (terms_id, session_id)
);

-- At start, a node gives back what a crash left RESERVED.
CREATE INDEX use_reservations_reserved ON use_reservations (state) WHERE state = 'RESERVED';
