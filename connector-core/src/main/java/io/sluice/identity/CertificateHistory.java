package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The certificates a node has run with, in its store (table {@code node_certificates}). A renewed
 * node has a new key, but what its earlier keys signed still counts: the audit log's earlier tree
 * heads verify against the earlier certificates recorded here. Only what {@link
 * AuthorityTrust#issuedTo} confirms should be trusted from it: the store is data, not a trust
 * anchor.
 */
public final class CertificateHistory {
  private final Database db;

  public CertificateHistory(Database db) {
    this.db = db;
  }

  /**
   * Records {@code cert} as used from {@code at}; a certificate already recorded keeps its time.
   */
  public void record(X509Certificate cert, Instant at) {
    byte[] der = encoded(cert);
    String sha256 = PeerIdentity.sha256Hex(cert);
    db.runInTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO node_certificates (sha256, der, first_used_ms) VALUES (?, ?, ?)"
                      + " ON CONFLICT (sha256) DO NOTHING")) {
            s.setString(1, sha256);
            s.setBytes(2, der);
            s.setLong(3, at.toEpochMilli());
            return s.executeUpdate();
          }
        });
  }

  /** Every recorded certificate, in the order the node first used them. */
  public List<X509Certificate> all() {
    return db.query(
        c -> {
          List<X509Certificate> certs = new ArrayList<>();
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT der FROM node_certificates ORDER BY first_used_ms, sha256");
              ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              certs.add(decode(rs.getBytes(1)));
            }
          }
          return certs;
        });
  }

  private static byte[] encoded(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode the certificate", e);
    }
  }

  private static X509Certificate decode(byte[] der) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new SluiceException(
          ErrorCode.INVALID_DATA, "a recorded node certificate is unreadable");
    }
  }
}
