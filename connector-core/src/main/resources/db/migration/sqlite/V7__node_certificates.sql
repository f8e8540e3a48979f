-- Every certificate this node has run with (io.sluice.identity.CertificateHistory). After a
-- renewal, tree heads of the audit log signed with an earlier certificate still verify against it,
-- wherever the store goes. Keep this file and its twin under db/migration/postgresql identical except
-- for the binary type.

CREATE TABLE node_certificates (
  sha256        TEXT   PRIMARY KEY, -- lower-case hex SHA-256 of the DER
  der           BLOB  NOT NULL,    -- the certificate, DER
  first_used_ms BIGINT NOT NULL     -- when the node first started with it
);
