-- Duties of an agreement this node found violated (e.g. a use whose inform notice never came), so
-- that the permission carrying the duty stays out of force. A provider records a use's inform
-- duty as violated when it spends the use and clears it when the notice arrives. Keep this file and its twin identical.
CREATE TABLE duty_violations (
  id           TEXT   PRIMARY KEY,
  agreement_id TEXT   NOT NULL,
  duty_pointer TEXT   NOT NULL,
  reason       TEXT   NOT NULL,
  recorded_ms  BIGINT NOT NULL
);

CREATE INDEX duty_violations_agreement ON duty_violations (agreement_id);
