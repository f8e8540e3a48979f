-- Negotiation corners (see docs/negotiation.md): retries over a window, and client request ids.
-- Keep this file and its twin under db/migration/sqlite identical.

-- The pending message is retried with back-off: next_attempt_ms says when, and the retry window
-- counts from pending_since_ms (when the message was queued).
ALTER TABLE negotiations ADD COLUMN pending_since_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE negotiations ADD COLUMN next_attempt_ms BIGINT NOT NULL DEFAULT 0;

-- A message queued before this version has waited since its negotiation last changed; it is due.
UPDATE negotiations SET pending_since_ms = updated_ms WHERE length(pending_message) > 0;

-- The retry loop asks for due messages, a provider for negotiations idle in OFFERED or AGREED.
CREATE INDEX negotiations_due ON negotiations (next_attempt_ms) WHERE length(pending_message) > 0;
CREATE INDEX negotiations_idle ON negotiations (state, updated_ms);

-- The id a client chose for ContractService/Request: a repeat with the same id gets the same
-- negotiation instead of a second one. digest is the SHA-256 of the request without its id; a
-- repeat must match it.
CREATE TABLE negotiation_requests (
  request_id     TEXT   PRIMARY KEY,
  negotiation_id TEXT   NOT NULL UNIQUE REFERENCES negotiations (id),
  digest         TEXT   NOT NULL,
  created_ms     BIGINT NOT NULL
);
