-- Contract negotiations and agreements (see docs/negotiation.md). Keep this file and its twin
-- under db/migration/sqlite identical except for column types.

-- One row per negotiation as this node sees it; role says which side we are.
CREATE TABLE negotiations (
  id                TEXT    PRIMARY KEY,
  role              TEXT    NOT NULL CHECK (role IN ('CONSUMER', 'PROVIDER')),
  counterparty      TEXT    NOT NULL,
  peer_pid          TEXT    NOT NULL, -- the other side's id for it; '' until known
  dataset_id        TEXT    NOT NULL,
  offer_id          TEXT    NOT NULL,
  state             TEXT    NOT NULL,
  purpose           TEXT    NOT NULL,
  requested_policy  TEXT    NOT NULL,
  offered_policy    TEXT    NOT NULL,
  acceptable_policy TEXT    NOT NULL,
  agreement_id      TEXT    NOT NULL,
  reasons           TEXT    NOT NULL, -- JSON array of strings
  pending_message   BYTEA   NOT NULL, -- serialized NegotiationMessage still to deliver; empty if none
  attempts          INTEGER NOT NULL,
  trace_id          TEXT    NOT NULL,
  created_ms        BIGINT  NOT NULL,
  updated_ms        BIGINT  NOT NULL,
  version           BIGINT  NOT NULL
);

-- The provider finds a negotiation by the consumer's id for it; one per (consumer, consumer id).
CREATE UNIQUE INDEX negotiations_peer ON negotiations (role, counterparty, peer_pid)
  WHERE peer_pid <> '';

-- Inbound messages already processed, with the reply we gave: re-delivery gets the same reply.
CREATE TABLE negotiation_messages (
  counterparty   TEXT   NOT NULL,
  message_id     TEXT   NOT NULL,
  negotiation_id TEXT   NOT NULL REFERENCES negotiations (id),
  reply          BYTEA  NOT NULL,
  created_ms     BIGINT NOT NULL,
  PRIMARY KEY (counterparty, message_id)
);

CREATE INDEX negotiation_messages_negotiation ON negotiation_messages (negotiation_id);

-- Agreements: signed_agreement holds the SignedAgreement bytes exactly as both nodes store them.
CREATE TABLE agreements (
  agreement_id      TEXT    PRIMARY KEY,
  negotiation_id    TEXT    NOT NULL REFERENCES negotiations (id),
  role              TEXT    NOT NULL,
  provider_id       TEXT    NOT NULL,
  consumer_id       TEXT    NOT NULL,
  dataset_id        TEXT    NOT NULL,
  signed_agreement  BYTEA   NOT NULL,
  valid_from_ms     BIGINT  NOT NULL,
  valid_until_ms    BIGINT  NOT NULL,
  finalized         INTEGER NOT NULL, -- 1 once both signatures are in and the negotiation FINALIZED
  terminated_reason TEXT    NOT NULL, -- '' while the agreement may be used
  use_count         BIGINT  NOT NULL
);

-- Child keys are indexed so that checking the references never scans the tables.
CREATE INDEX agreements_negotiation ON agreements (negotiation_id);
