package io.sluice.store;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * The few places where SQLite and PostgreSQL differ for Sluice's stores. Everything else (plain
 * {@code INSERT}, {@code SELECT}, {@code ON CONFLICT} upserts, {@code BIGINT} columns) is written
 * once and runs on both.
 *
 * <ul>
 *   <li>binary columns: {@code BLOB} / {@code BYTEA} (in migrations, under {@code
 *       db/migration/<vendor>}, see {@link #migrationFolder()});
 *   <li>auto-increment keys: {@code INTEGER PRIMARY KEY} / {@code BIGINT GENERATED ALWAYS AS
 *       IDENTITY};
 *   <li>row locks: PostgreSQL takes {@code SELECT ... FOR UPDATE}; SQLite has no row locks, and
 *       {@link Database} serializes its writers instead, so {@link #forUpdate()} is empty there;
 *   <li>transient failures worth a retry: SQLite BUSY/LOCKED, PostgreSQL serialization failure and
 *       deadlock.
 * </ul>
 */
public enum Dialect {
  SQLITE("sqlite", "BLOB", "INTEGER PRIMARY KEY", ""),
  POSTGRESQL(
      "postgresql", "BYTEA", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", " FOR UPDATE");

  /**
   * SQLite primary result codes: SQLITE_BUSY and SQLITE_LOCKED (extended codes share the low byte).
   */
  private static final int SQLITE_BUSY = 5;

  private static final int SQLITE_LOCKED = 6;

  private final String migrationFolder;
  private final String binaryType;
  private final String autoIncrementKey;
  private final String forUpdate;

  Dialect(String migrationFolder, String binaryType, String autoIncrementKey, String forUpdate) {
    this.migrationFolder = migrationFolder;
    this.binaryType = binaryType;
    this.autoIncrementKey = autoIncrementKey;
    this.forUpdate = forUpdate;
  }

  /**
   * The dialect of a JDBC URL: {@code jdbc:sqlite:...} or {@code jdbc:postgresql:...}.
   *
   * @throws SluiceException INVALID_CONFIG for any other URL
   */
  public static Dialect ofUrl(String jdbcUrl) {
    String url = jdbcUrl.toLowerCase(Locale.ROOT);
    if (url.startsWith("jdbc:sqlite:")) {
      return SQLITE;
    }
    if (url.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new SluiceException(
        ErrorCode.INVALID_CONFIG, "a store URL must start with jdbc:sqlite: or jdbc:postgresql:");
  }

  /**
   * The folder under {@code db/migration/} that holds this vendor's Flyway migrations. Every
   * version exists in both folders, so both stores always have the same tables.
   */
  public String migrationFolder() {
    return migrationFolder;
  }

  /** The column type for byte strings: {@code BLOB} or {@code BYTEA}. */
  public String binaryType() {
    return binaryType;
  }

  /** The column definition of a 64-bit auto-increment primary key. */
  public String autoIncrementKey() {
    return autoIncrementKey;
  }

  /** Appended to a {@code SELECT} that reads rows it will update in the same transaction. */
  public String forUpdate() {
    return forUpdate;
  }

  /**
   * {@code INSERT ... ON CONFLICT (keys) DO UPDATE SET ...}: the same text on both (SQLite has it
   * since 3.24). Columns that are keys are not updated.
   */
  public String upsert(String table, List<String> keyColumns, List<String> columns) {
    if (keyColumns.isEmpty() || !columns.containsAll(keyColumns)) {
      throw new IllegalArgumentException("the key columns must be among the columns");
    }
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (");
    sql.append(String.join(", ", columns)).append(") VALUES (");
    sql.append(String.join(", ", columns.stream().map(c -> "?").toList()));
    sql.append(") ON CONFLICT (").append(String.join(", ", keyColumns)).append(") DO ");
    List<String> updated = columns.stream().filter(c -> !keyColumns.contains(c)).toList();
    if (updated.isEmpty()) {
      return sql.append("NOTHING").toString();
    }
    sql.append("UPDATE SET ");
    sql.append(String.join(", ", updated.stream().map(c -> c + " = excluded." + c).toList()));
    return sql.toString();
  }

  /**
   * Whether a failed transaction may succeed if run again from the start: SQLite BUSY or LOCKED
   * (another writer held the file past the busy timeout), PostgreSQL serialization failure (40001)
   * or deadlock (40P01). Looks through the chain of causes and next exceptions.
   */
  public boolean isTransient(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        for (SQLException s = sql; s != null; s = s.getNextException()) {
          if (isTransientOne(s)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private boolean isTransientOne(SQLException e) {
    return switch (this) {
      case SQLITE -> {
        int primary = e.getErrorCode() & 0xff;
        yield primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
      }
      case POSTGRESQL -> "40001".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
    };
  }
}
