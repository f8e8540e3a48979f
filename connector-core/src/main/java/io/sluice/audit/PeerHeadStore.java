package io.sluice.audit;

import io.sluice.audit.merkle.TreeHead;
import io.sluice.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node keeps about the signed tree heads it exchanges with other participants (migration
 * {@code V5__peer_heads_and_releases.sql}): the head of each peer's log that it holds the peer to
 * ({@code audit_peer_heads}), and which of its own heads it handed to whom ({@code
 * audit_heads_issued}). Thread-safe.
 */
public final class PeerHeadStore {
  private static final String HELD_COLUMNS =
      "tree_size, head_time, root_hash, signature, signer_fingerprint, signer_certificate,"
          + " received_ms";

  /** A peer's signed head as this node holds it, with the certificate (DER) that signed it. */
  public record Held(SignedTreeHead head, byte[] signerCertificate, Instant receivedAt) {
    public Held {
      Objects.requireNonNull(head, "head");
      signerCertificate = signerCertificate.clone();
      Objects.requireNonNull(receivedAt, "receivedAt");
    }

    @Override
    public byte[] signerCertificate() {
      return signerCertificate.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Held h
          && head.equals(h.head)
          && java.util.Arrays.equals(signerCertificate, h.signerCertificate)
          && receivedAt.equals(h.receivedAt);
    }

    @Override
    public int hashCode() {
      return Objects.hash(head, java.util.Arrays.hashCode(signerCertificate), receivedAt);
    }
  }

  private final Database db;

  public PeerHeadStore(Database db) {
    this.db = Objects.requireNonNull(db, "db");
  }

  /** The head this node holds {@code participant} to, if it holds one. */
  public Optional<Held> held(String participant) {
    return db.query(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT " + HELD_COLUMNS + " FROM audit_peer_heads WHERE participant = ?")) {
            s.setString(1, participant);
            try (ResultSet r = s.executeQuery()) {
              if (!r.next()) {
                return Optional.empty();
              }
              TreeHead head =
                  new TreeHead(r.getLong(1), r.getBytes(3), Instant.ofEpochMilli(r.getLong(2)));
              return Optional.of(
                  new Held(
                      new SignedTreeHead(head, r.getBytes(4), r.getString(5)),
                      r.getBytes(6),
                      Instant.ofEpochMilli(r.getLong(7))));
            }
          }
        });
  }

  /** Holds {@code participant} to {@code held} from now on, in place of any head before. */
  public void hold(String participant, Held held) {
    db.runInTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO audit_peer_heads (participant, "
                      + HELD_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (participant) DO UPDATE SET"
                      + " tree_size = excluded.tree_size, head_time = excluded.head_time,"
                      + " root_hash = excluded.root_hash, signature = excluded.signature,"
                      + " signer_fingerprint = excluded.signer_fingerprint,"
                      + " signer_certificate = excluded.signer_certificate,"
                      + " received_ms = excluded.received_ms")) {
            TreeHead head = held.head().head();
            s.setString(1, participant);
            s.setLong(2, head.size());
            s.setLong(3, head.timestamp().toEpochMilli());
            s.setBytes(4, head.rootHash());
            s.setBytes(5, held.head().signature());
            s.setString(6, held.head().signerFingerprint());
            s.setBytes(7, held.signerCertificate());
            s.setLong(8, held.receivedAt().toEpochMilli());
            return s.executeUpdate();
          }
        });
  }

  /** Records that this node's head of {@code treeSize} was handed to {@code participant}. */
  public void issued(String participant, long treeSize, Instant at) {
    db.runInTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO audit_heads_issued (participant, tree_size, issued_ms)"
                      + " VALUES (?, ?, ?) ON CONFLICT (participant, tree_size) DO NOTHING")) {
            s.setString(1, participant);
            s.setLong(2, treeSize);
            s.setLong(3, at.toEpochMilli());
            return s.executeUpdate();
          }
        });
  }

  /** Whether this node's head of {@code treeSize} was handed to {@code participant}. */
  public boolean wasIssued(String participant, long treeSize) {
    return db.query(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT 1 FROM audit_heads_issued WHERE participant = ? AND tree_size = ?")) {
            s.setString(1, participant);
            s.setLong(2, treeSize);
            try (ResultSet r = s.executeQuery()) {
              return r.next();
            }
          }
        });
  }
}
