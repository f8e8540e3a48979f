package io.sluice.audit;

import io.sluice.audit.merkle.MerkleTree;
import io.sluice.audit.merkle.TreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import io.sluice.store.Dialect;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postgresql.PGConnection;

/**
 * Read access to a node's stored audit log: entries, signed tree heads, and RFC 9162 proofs
 * computed from the stored leaf hashes. It reads whatever the store holds; {@link AuditVerifier}
 * says whether that is the log the node signed. Thread-safe.
 *
 * <p>Tables (migration {@code V1__audit_log.sql}): {@code audit_entries} and {@code
 * audit_tree_heads}; see {@code docs/audit-log.md}.
 */
public final class AuditStore {
  static final String ENTRY_COLUMNS =
      "seq, event_time, event_type, trace_id, session_id, actor, counterparty, agreement_id,"
          + " digest, details, leaf_hash";
  private static final HexFormat HEX = HexFormat.of();
  private static final String HEAD_COLUMNS =
      "tree_size, head_time, root_hash, signature, signer_fingerprint";

  private final Database database;
  private final MerkleTree tree;

  public AuditStore(Database database) {
    this.database = Objects.requireNonNull(database, "database");
    this.tree = new MerkleTree(new StoredLeafHashes(database));
  }

  Database database() {
    return database;
  }

  /** The number of stored entries: one more than the highest sequence number. */
  public long size() {
    return storedSize(database);
  }

  static long storedSize(Database database) {
    return database.read(
        connection -> {
          try (PreparedStatement select =
                  connection.prepareStatement("SELECT MAX(seq) FROM audit_entries");
              ResultSet rows = select.executeQuery()) {
            rows.next();
            long max = rows.getLong(1);
            return rows.wasNull() ? 0 : max + 1;
          }
        });
  }

  /** Up to {@code limit} entries from sequence number {@code from} on, in order. */
  public List<AuditEntry> entries(long from, int limit) {
    if (from < 0 || limit < 0) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "a range starts at 0 or later");
    }
    return database.read(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT "
                      + ENTRY_COLUMNS
                      + " FROM audit_entries WHERE seq >= ? ORDER BY seq LIMIT ?")) {
            select.setLong(1, from);
            select.setInt(2, limit);
            return readEntries(select);
          }
        });
  }

  /** Every entry with this trace id, in order. */
  public List<AuditEntry> entriesByTrace(String traceId) {
    if (traceId.isEmpty()) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "a trace id is not empty");
    }
    return database.read(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT "
                      + ENTRY_COLUMNS
                      + " FROM audit_entries WHERE trace_id = ? ORDER BY seq")) {
            select.setString(1, traceId);
            return readEntries(select);
          }
        });
  }

  private static List<AuditEntry> readEntries(PreparedStatement select) throws SQLException {
    List<AuditEntry> entries = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        entries.add(entryOf(rows));
      }
    }
    return entries;
  }

  private static AuditEntry entryOf(ResultSet row) throws SQLException {
    long seq = row.getLong(1);
    EventType type;
    try {
      type = EventType.valueOf(row.getString(3));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new SluiceException(
          ErrorCode.AUDIT_LOG_TAMPERED, "audit entry " + seq + " has an unknown event type");
    }
    return new AuditEntry(
        seq,
        AuditEvent.stored(
            row.getLong(2),
            type,
            row.getString(4),
            row.getString(5),
            row.getString(6),
            row.getString(7),
            row.getString(8),
            row.getBytes(9),
            row.getString(10)));
  }

  /** Every signed tree head, smallest first. */
  public List<SignedTreeHead> heads() {
    return database.read(
        connection -> {
          List<SignedTreeHead> heads = new ArrayList<>();
          for (HeadRow row : headRows(connection)) {
            heads.add(row.toSignedTreeHead());
          }
          return heads;
        });
  }

  /** The signed tree head of the largest size, if the log has one. */
  public Optional<SignedTreeHead> latestHead() {
    return database.read(
        connection -> {
          try (PreparedStatement select =
                  connection.prepareStatement(
                      "SELECT "
                          + HEAD_COLUMNS
                          + " FROM audit_tree_heads ORDER BY tree_size DESC LIMIT 1");
              ResultSet rows = select.executeQuery()) {
            return rows.next()
                ? Optional.of(HeadRow.of(rows).toSignedTreeHead())
                : Optional.empty();
          }
        });
  }

  /** The head signed at exactly {@code treeSize}, if there is one. */
  public Optional<SignedTreeHead> head(long treeSize) {
    return database.read(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + HEAD_COLUMNS + " FROM audit_tree_heads WHERE tree_size = ?")) {
            select.setLong(1, treeSize);
            try (ResultSet rows = select.executeQuery()) {
              return rows.next()
                  ? Optional.of(HeadRow.of(rows).toSignedTreeHead())
                  : Optional.empty();
            }
          }
        });
  }

  /** The Merkle root of the first {@code treeSize} stored entries. */
  public byte[] rootAt(long treeSize) {
    return tree.rootAt(treeSize);
  }

  /**
   * The RFC 9162 inclusion proof of entry {@code index} in the tree of the first {@code treeSize}
   * entries; check it with {@code MerkleVerifier.verifyInclusion} against a signed head of that
   * size and the entry's {@link AuditEntry#leafHash()}.
   *
   * @throws SluiceException INVALID_ARGUMENT unless {@code 0 <= index < treeSize <= size()}
   */
  public List<byte[]> inclusionProof(long index, long treeSize) {
    return tree.inclusionProof(index, treeSize);
  }

  /**
   * The RFC 9162 consistency proof that the tree of {@code size1} entries is a prefix of the tree
   * of {@code size2}.
   *
   * @throws SluiceException INVALID_ARGUMENT unless {@code 0 < size1 <= size2 <= size()}
   */
  public List<byte[]> consistencyProof(long size1, long size2) {
    return tree.consistencyProof(size1, size2);
  }

  // ---- writes, for AuditLog -------------------------------------------------------------

  /**
   * Inserts a batch of entries: on PostgreSQL with {@code COPY ... FROM STDIN} (several times the
   * rate of batched INSERTs there), elsewhere with one batched prepared INSERT.
   */
  static void insertEntries(Dialect dialect, Connection connection, List<AuditLog.Pending> batch)
      throws SQLException {
    if (dialect == Dialect.POSTGRESQL) {
      copyEntries(connection, batch);
      return;
    }
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO audit_entries ("
                + ENTRY_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (AuditLog.Pending pending : batch) {
        AuditEvent event = pending.event();
        insert.setLong(1, pending.sequence());
        insert.setLong(2, event.timeMicros());
        insert.setString(3, event.type().name());
        insert.setString(4, event.traceId());
        insert.setString(5, event.sessionId());
        insert.setString(6, event.actor());
        insert.setString(7, event.counterparty());
        insert.setString(8, event.agreementId());
        insert.setBytes(9, event.digest());
        insert.setString(10, event.detailsJson());
        insert.setBytes(11, pending.leafHash());
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  /**
   * COPY in PostgreSQL's text format: tab-separated columns, one row per line; backslash, tab,
   * newline and carriage return escaped in text; bytea as {@code \\x} and hex.
   */
  private static void copyEntries(Connection connection, List<AuditLog.Pending> batch)
      throws SQLException {
    StringBuilder rows = new StringBuilder(batch.size() * 400);
    for (AuditLog.Pending pending : batch) {
      AuditEvent event = pending.event();
      rows.append(pending.sequence()).append('\t').append(event.timeMicros()).append('\t');
      copyText(rows, event.type().name());
      copyText(rows, event.traceId());
      copyText(rows, event.sessionId());
      copyText(rows, event.actor());
      copyText(rows, event.counterparty());
      copyText(rows, event.agreementId());
      copyBytes(rows, event.digest()).append('\t');
      copyText(rows, event.detailsJson());
      copyBytes(rows, pending.leafHash()).append('\n');
    }
    try {
      connection
          .unwrap(PGConnection.class)
          .getCopyAPI()
          .copyIn(
              "COPY audit_entries (" + ENTRY_COLUMNS + ") FROM STDIN",
              new StringReader(rows.toString()));
    } catch (IOException e) {
      throw new SQLException("cannot COPY audit entries", e);
    }
  }

  private static void copyText(StringBuilder out, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
    out.append('\t');
  }

  private static StringBuilder copyBytes(StringBuilder out, byte[] value) {
    out.append("\\\\x");
    return HEX.formatHex(out, value);
  }

  void insertHead(SignedTreeHead signed) {
    database.runInTransaction(
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO audit_tree_heads (" + HEAD_COLUMNS + ") VALUES (?, ?, ?, ?, ?)")) {
            TreeHead head = signed.head();
            insert.setLong(1, head.size());
            insert.setLong(2, head.timestamp().toEpochMilli());
            insert.setBytes(3, head.rootHash());
            insert.setBytes(4, signed.signature());
            insert.setString(5, signed.signerFingerprint());
            return insert.executeUpdate();
          }
        });
  }

  /** The stored heads as raw rows, smallest size first (the verifier checks what they hold). */
  static List<HeadRow> headRows(Connection connection) throws SQLException {
    List<HeadRow> heads = new ArrayList<>();
    try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT " + HEAD_COLUMNS + " FROM audit_tree_heads ORDER BY tree_size");
        ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        heads.add(HeadRow.of(rows));
      }
    }
    return heads;
  }

  /** A stored tree head row, not yet checked. */
  record HeadRow(long treeSize, long timeMillis, byte[] rootHash, byte[] signature, String signer) {
    static HeadRow of(ResultSet row) throws SQLException {
      return new HeadRow(
          row.getLong(1), row.getLong(2), row.getBytes(3), row.getBytes(4), row.getString(5));
    }

    /**
     * @throws SluiceException AUDIT_LOG_TAMPERED if the row cannot be a tree head
     */
    SignedTreeHead toSignedTreeHead() {
      try {
        return new SignedTreeHead(
            new TreeHead(treeSize, rootHash, Instant.ofEpochMilli(timeMillis)), signature, signer);
      } catch (SluiceException | NullPointerException e) {
        throw new SluiceException(
            ErrorCode.AUDIT_LOG_TAMPERED,
            "the signed tree head of size " + treeSize + " is malformed");
      }
    }
  }
}
