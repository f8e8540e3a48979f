-- Computation results this node wrote and what their delete duty asks (see README, "Results and
-- retention"). Keep this file and its twin under db/migration/sqlite identical.

CREATE TABLE results (
  id            TEXT    PRIMARY KEY, -- a random UUID
  agreement_id  TEXT    NOT NULL,
  session_id    TEXT    NOT NULL,
  trace_id      TEXT    NOT NULL,
  output_path   TEXT    NOT NULL, -- absolute
  sha256        TEXT    NOT NULL, -- lower-case hex of the file as written
  size_bytes    BIGINT  NOT NULL,
  row_count     BIGINT  NOT NULL,
  created_ms    BIGINT  NOT NULL,
  duty_pointer  TEXT    NOT NULL, -- JSON pointer of the delete duty in the policy; '' for none
  retention     TEXT    NOT NULL, -- the duty's ISO 8601 retention; '' for none
  delete_by_ms  BIGINT,           -- created + retention; NULL without a delete duty
  state         TEXT    NOT NULL
    CHECK (state IN ('KEPT', 'DELETED', 'PURGED', 'MISSING', 'DELETE_FAILED')),
  deleted_ms    BIGINT,           -- when the file was found deleted or gone; NULL while it may exist
  note          TEXT    NOT NULL, -- a short reason (why a deletion failed); '' for none
  CHECK ((duty_pointer = '') = (delete_by_ms IS NULL)),
  CHECK ((state IN ('KEPT', 'DELETE_FAILED')) = (deleted_ms IS NULL))
);

-- The operator lists one agreement's results; the sweep asks for the kept ones past their deadline.
CREATE INDEX results_agreement ON results (agreement_id, created_ms);
CREATE INDEX results_due ON results (state, delete_by_ms);
