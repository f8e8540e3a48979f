-- Duties of an agreement this node found violated (e.g. a use whose inform notice never came), so
-- that the permission carrying the duty stays out of force. Keep this file and its twin identical.
CREATE TABLE duty_violations (
  agreement_id TEXT   NOT NULL,
  duty_pointer TEXT   NOT NULL,
  reason       TEXT   NOT NULL,
  recorded_ms  BIGINT NOT NULL
);

CREATE INDEX duty_violations_agreement ON duty_violations (agreement_id);
