package io.sluice.audit;

import io.sluice.audit.AuditProblem.Kind;
import io.sluice.audit.merkle.MerkleAccumulator;
import io.sluice.audit.merkle.MerkleVerifier;
import io.sluice.audit.merkle.TreeHasher;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import io.sluice.store.Database;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a stored audit log from scratch, trusting nothing in the store.
 *
 * <ol>
 *   <li>Streams the entries in sequence order (one consistent snapshot, never all in memory),
 *       re-encodes each from its columns and hashes it: a gap in the sequence numbers is a missing
 *       entry, a hash that differs from the stored leaf hash an edited (or moved) entry.
 *   <li>Feeds the recomputed leaf hashes to a {@link MerkleAccumulator}; when it reaches a signed
 *       head's size, checks the head's signer is trusted, its signature, that its root equals the
 *       recomputed root, and that it is not older than the previous head. A head beyond the last
 *       entry means entries were deleted from the end.
 *   <li>Checks the RFC 9162 consistency proof, computed from the stored leaf hashes, between each
 *       pair of consecutive heads.
 * </ol>
 *
 * The first problem in log order is reported, naming the entry or head. An entry edited together
 * with its stored leaf hash shows up as the next head's root mismatch; the unsigned entries after
 * the last head are only checked against their own leaf hashes (see {@code docs/audit-log.md}).
 */
public final class AuditVerifier {
  private static final int FETCH_SIZE = 4096;

  private final Map<String, X509Certificate> signers = new HashMap<>();

  /**
   * @param trustedSigners the node's certificates whose keys may have signed heads: the current one
   *     and any it had before a key change
   */
  public AuditVerifier(Collection<X509Certificate> trustedSigners) {
    for (X509Certificate certificate : trustedSigners) {
      signers.put(PeerIdentity.sha256Hex(certificate), certificate);
    }
  }

  /** Verifies the audit log stored in {@code database}. */
  public AuditVerification verify(Database database) {
    return check(new AuditStore(database)).verification();
  }

  /** The verification and, when it passed, the state the log continues from. */
  record Outcome(
      AuditVerification verification,
      MerkleAccumulator accumulator,
      Optional<SignedTreeHead> lastHead) {}

  /**
   * Verifies the log behind {@code store}; the consistency proofs warm the store's caches for the
   * log that continues from it.
   */
  Outcome check(AuditStore store) {
    Scan scan = store.database().read(connection -> new Scan(connection).run());
    if (scan.problem == null) {
      checkConsistency(store, scan);
    }
    return new Outcome(
        new AuditVerification(
            scan.expected, scan.verifiedHeads.size(), Optional.ofNullable(scan.problem)),
        scan.accumulator,
        scan.verifiedHeads.isEmpty()
            ? Optional.empty()
            : Optional.of(scan.verifiedHeads.get(scan.verifiedHeads.size() - 1)));
  }

  private void checkConsistency(AuditStore store, Scan scan) {
    SignedTreeHead previous = null;
    for (SignedTreeHead head : scan.verifiedHeads) {
      long size1 = previous == null ? 0 : previous.head().size();
      if (size1 > 0) {
        boolean consistent;
        try {
          consistent =
              MerkleVerifier.verifyConsistency(
                  previous.head(), head.head(), store.consistencyProof(size1, head.head().size()));
        } catch (SluiceException e) {
          consistent = false;
        }
        if (!consistent) {
          scan.problem =
              new AuditProblem(
                  Kind.HEADS_INCONSISTENT,
                  head.head().size(),
                  "the signed head of size "
                      + head.head().size()
                      + " is not consistent with the head of size "
                      + size1);
          return;
        }
      }
      previous = head;
    }
  }

  /** One pass over a snapshot of the entries and heads. */
  private final class Scan {
    private final Connection connection;
    private final TreeHasher hasher = new TreeHasher();
    final MerkleAccumulator accumulator = new MerkleAccumulator();
    final List<SignedTreeHead> verifiedHeads = new ArrayList<>();
    private List<AuditStore.HeadRow> heads;
    private int nextHead;
    long expected;
    AuditProblem problem;

    Scan(Connection connection) {
      this.connection = connection;
    }

    Scan run() throws SQLException {
      heads = AuditStore.headRows(connection);
      if (!checkHeadsAt()) {
        return this;
      }
      try (PreparedStatement select =
          connection.prepareStatement(
              "SELECT " + AuditStore.ENTRY_COLUMNS + " FROM audit_entries ORDER BY seq")) {
        select.setFetchSize(FETCH_SIZE);
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            if (!checkEntry(rows) || !checkHeadsAt()) {
              return this;
            }
          }
        }
      }
      if (nextHead < heads.size()) {
        // A head beyond the last entry: if it is genuine, entries were deleted from the end.
        AuditStore.HeadRow row = heads.get(nextHead);
        long size = row.treeSize();
        problem = checkSignature(row);
        if (problem != null) {
          return this;
        }
        problem =
            new AuditProblem(
                Kind.ENTRY_MISSING,
                expected,
                "entry "
                    + expected
                    + " is missing: the log ends there, but the signed head of size "
                    + size
                    + " covers it");
      }
      return this;
    }

    private boolean checkEntry(ResultSet row) throws SQLException {
      long seq = row.getLong(1);
      if (seq != expected) {
        problem =
            new AuditProblem(
                Kind.ENTRY_MISSING,
                expected,
                "entry " + expected + " is missing: the next stored entry is " + seq);
        return false;
      }
      byte[] leafHash = recomputedLeafHash(seq, row);
      if (leafHash == null || !MessageDigest.isEqual(leafHash, row.getBytes(11))) {
        problem =
            new AuditProblem(
                Kind.ENTRY_EDITED,
                seq,
                "entry " + seq + " was changed: its fields do not match its leaf hash");
        return false;
      }
      accumulator.appendLeafHash(leafHash);
      expected++;
      return true;
    }

    /** The leaf hash of the row's fields, or null if a field is missing. */
    private byte[] recomputedLeafHash(long seq, ResultSet row) throws SQLException {
      long time = row.getLong(2);
      if (row.wasNull()) {
        return null;
      }
      String[] text = new String[6];
      for (int i = 0; i < text.length; i++) {
        text[i] = row.getString(3 + i);
        if (text[i] == null) {
          return null;
        }
      }
      byte[] digest = row.getBytes(9);
      String details = row.getString(10);
      if (digest == null || details == null) {
        return null;
      }
      return hasher.hashLeaf(
          EntryCodec.encode(
              seq, time, text[0], text[1], text[2], text[3], text[4], text[5], digest, details));
    }

    /** Checks every head whose size the entries have reached; false at the first bad one. */
    private boolean checkHeadsAt() {
      while (nextHead < heads.size() && heads.get(nextHead).treeSize() <= expected) {
        AuditStore.HeadRow row = heads.get(nextHead++);
        problem = checkHead(row);
        if (problem != null) {
          return false;
        }
      }
      return true;
    }

    private AuditProblem checkHead(AuditStore.HeadRow row) {
      long size = row.treeSize();
      AuditProblem bad = size == expected ? checkSignature(row) : malformed(size);
      if (bad != null) {
        return bad;
      }
      SignedTreeHead head = row.toSignedTreeHead();
      SignedTreeHead previous =
          verifiedHeads.isEmpty() ? null : verifiedHeads.get(verifiedHeads.size() - 1);
      long from = previous == null ? 0 : previous.head().size();
      if (!MessageDigest.isEqual(accumulator.root(), head.head().rootHash())) {
        return new AuditProblem(
            Kind.HEAD_ROOT_MISMATCH,
            size,
            "the entries do not match the signed head of size "
                + size
                + ": one of entries "
                + from
                + " to "
                + (size - 1)
                + " was changed along with its stored leaf hash");
      }
      if (previous != null && head.head().timestamp().isBefore(previous.head().timestamp())) {
        return new AuditProblem(
            Kind.HEAD_OUT_OF_ORDER,
            size,
            "the head of size " + size + " is older than the head of size " + from);
      }
      verifiedHeads.add(head);
      return null;
    }

    /** Whether the row is a well-formed head signed by a trusted signer; null if so. */
    private AuditProblem checkSignature(AuditStore.HeadRow row) {
      long size = row.treeSize();
      SignedTreeHead head;
      try {
        head = row.toSignedTreeHead();
      } catch (SluiceException e) {
        return malformed(size);
      }
      X509Certificate signer = signers.get(head.signerFingerprint());
      if (signer == null) {
        return new AuditProblem(
            Kind.HEAD_UNKNOWN_SIGNER,
            size,
            "the head of size " + size + " names a signer certificate that is not trusted");
      }
      if (!head.verify(signer)) {
        return new AuditProblem(
            Kind.HEAD_BAD_SIGNATURE,
            size,
            "the signature of the head of size " + size + " does not verify: the head was altered");
      }
      return null;
    }

    private AuditProblem malformed(long size) {
      return new AuditProblem(
          Kind.HEAD_MALFORMED, size, "the signed head of size " + size + " is malformed");
    }
  }
}
