package io.sluice.compute.runtime;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link UseLedger} in the node's store (table {@code use_reservations}, migration V9), on SQLite
 * and PostgreSQL. The terms' own row holds the count ({@link Counter}); every change of a
 * reservation and of the count is one transaction, with the terms' row locked first (PostgreSQL
 * {@code FOR UPDATE}; SQLite serializes writers), so concurrent sessions on one agreement are
 * counted one after the other.
 */
public final class JdbcUseLedger implements UseLedger {

  /**
   * The table, key column and count column of the terms whose uses this ledger counts. Constants of
   * the code, never input.
   */
  public record Counter(
      String table,
      String idColumn,
      String countColumn,
      String terminatedColumn,
      String untilColumn) {
    /**
     * Bilateral agreements: {@code agreements.use_count}; a terminated or expired agreement
     * reserves nothing, even when it was judged usable a moment before.
     */
    public static final Counter AGREEMENTS =
        new Counter(
            "agreements", "agreement_id", "use_count", "terminated_reason", "valid_until_ms");

    /** Collaborations: {@code collaborations.use_count} (their state is checked by their store). */
    public static final Counter COLLABORATIONS =
        new Counter("collaborations", "id", "use_count", null, null);

    public Counter {
      for (String name : java.util.Arrays.asList(table, idColumn, countColumn)) {
        identifier(name);
      }
      if (terminatedColumn != null) {
        identifier(terminatedColumn);
      }
      if (untilColumn != null) {
        identifier(untilColumn);
      }
    }

    private static void identifier(String name) {
      if (name == null || !name.matches("[a-z_]{1,40}")) {
        throw new IllegalArgumentException("not an SQL identifier: " + name);
      }
    }
  }

  private final Database db;
  private final Counter counter;
  private final Clock clock;

  public JdbcUseLedger(Database db, Counter counter, Clock clock) {
    this.db = Objects.requireNonNull(db, "db");
    this.counter = Objects.requireNonNull(counter, "counter");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Reservation reserve(String termsId, String sessionId, long maxUses) {
    return db.inTransaction(c -> reserve(c, termsId, sessionId, maxUses));
  }

  private Reservation reserve(Connection c, String termsId, String sessionId, long maxUses)
      throws SQLException {
    long held = lockCount(c, termsId);
    Optional<Row> row = row(c, termsId, sessionId);
    if (row.isPresent() && row.get().state() == State.SPENT) {
      throw new SluiceException(
          ErrorCode.SESSION_SPENT,
          "session " + sessionId + " spent its use already; a new run takes a new session id");
    }
    if (row.isPresent() && row.get().state() == State.RESERVED) {
      return new Reservation(termsId, sessionId, row.get().useNumber(), true);
    }
    requireUsable(c, termsId);
    if (maxUses >= 0 && held >= maxUses) {
      throw new SluiceException(
          ErrorCode.USE_COUNT_EXHAUSTED,
          "agreement " + termsId + " has used all of its " + maxUses + " uses");
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "UPDATE "
                + counter.table()
                + " SET "
                + counter.countColumn()
                + " = "
                + counter.countColumn()
                + " + 1 WHERE "
                + counter.idColumn()
                + " = ?")) {
      s.setString(1, termsId);
      s.executeUpdate();
    }
    long number = Math.max(held + 1, maxNumber(c, termsId) + 1);
    long now = clock.millis();
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO use_reservations"
                + " (terms_id, session_id, use_number, state, reserved_ms, updated_ms)"
                + " VALUES (?, ?, ?, 'RESERVED', ?, ?)"
                + " ON CONFLICT (terms_id, session_id) DO UPDATE SET"
                + " use_number = excluded.use_number, state = 'RESERVED',"
                + " reserved_ms = excluded.reserved_ms, updated_ms = excluded.updated_ms")) {
      s.setString(1, termsId);
      s.setString(2, sessionId);
      s.setLong(3, number);
      s.setLong(4, now);
      s.setLong(5, now);
      s.executeUpdate();
    }
    return new Reservation(termsId, sessionId, number, false);
  }

  /** Locks the terms' row (PostgreSQL) and reads its count of held uses. */
  private long lockCount(Connection c, String termsId) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT "
                + counter.countColumn()
                + " FROM "
                + counter.table()
                + " WHERE "
                + counter.idColumn()
                + " = ?"
                + db.dialect().forUpdate())) {
      s.setString(1, termsId);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          throw new SluiceException(ErrorCode.AGREEMENT_NOT_USABLE, "no agreement " + termsId);
        }
        return r.getLong(1);
      }
    }
  }

  /**
   * Refuses terms that were terminated or expired since they were judged: read under the same lock
   * as the count, so a termination cannot slip between the judgement and the reservation.
   */
  private void requireUsable(Connection c, String termsId) throws SQLException {
    if (counter.terminatedColumn() == null && counter.untilColumn() == null) {
      return;
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT "
                + (counter.terminatedColumn() == null ? "NULL" : counter.terminatedColumn())
                + ", "
                + (counter.untilColumn() == null ? "NULL" : counter.untilColumn())
                + " FROM "
                + counter.table()
                + " WHERE "
                + counter.idColumn()
                + " = ?")) {
      s.setString(1, termsId);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        String terminated = r.getString(1);
        if (terminated != null && !terminated.isEmpty()) {
          throw new SluiceException(
              ErrorCode.AGREEMENT_NOT_USABLE,
              "agreement " + termsId + " was terminated: " + terminated);
        }
        long until = r.getLong(2);
        if (!r.wasNull() && until <= clock.millis()) {
          throw new SluiceException(
              ErrorCode.AGREEMENT_NOT_USABLE, "agreement " + termsId + " has expired");
        }
      }
    }
  }

  private static long maxNumber(Connection c, String termsId) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT COALESCE(MAX(use_number), 0) FROM use_reservations WHERE terms_id = ?")) {
      s.setString(1, termsId);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  private record Row(long useNumber, State state) {}

  private static Optional<Row> row(Connection c, String termsId, String sessionId)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT use_number, state FROM use_reservations WHERE terms_id = ? AND session_id = ?")) {
      s.setString(1, termsId);
      s.setString(2, sessionId);
      try (ResultSet r = s.executeQuery()) {
        return r.next()
            ? Optional.of(new Row(r.getLong(1), State.valueOf(r.getString(2))))
            : Optional.empty();
      }
    }
  }

  @Override
  public void spend(String termsId, String sessionId) {
    db.runInTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE use_reservations SET state = 'SPENT', updated_ms = ?"
                      + " WHERE terms_id = ? AND session_id = ? AND state <> 'RETURNED'")) {
            s.setLong(1, clock.millis());
            s.setString(2, termsId);
            s.setString(3, sessionId);
            if (s.executeUpdate() != 1) {
              throw new IllegalStateException(
                  "session " + sessionId + " holds no use of " + termsId + " to spend");
            }
          }
          return null;
        });
  }

  @Override
  public boolean giveBack(String termsId, String sessionId) {
    return db.inTransaction(c -> giveBack(c, termsId, sessionId));
  }

  private boolean giveBack(Connection c, String termsId, String sessionId) throws SQLException {
    lockCount(c, termsId);
    try (PreparedStatement s =
        c.prepareStatement(
            "UPDATE use_reservations SET state = 'RETURNED', updated_ms = ?"
                + " WHERE terms_id = ? AND session_id = ? AND state = 'RESERVED'")) {
      s.setLong(1, clock.millis());
      s.setString(2, termsId);
      s.setString(3, sessionId);
      if (s.executeUpdate() != 1) {
        return false;
      }
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "UPDATE "
                + counter.table()
                + " SET "
                + counter.countColumn()
                + " = "
                + counter.countColumn()
                + " - 1 WHERE "
                + counter.idColumn()
                + " = ? AND "
                + counter.countColumn()
                + " > 0")) {
      s.setString(1, termsId);
      s.executeUpdate();
    }
    return true;
  }

  @Override
  public int giveBackAll() {
    record Key(String termsId, String sessionId) {}
    List<Key> reserved =
        db.read(
            c -> {
              List<Key> out = new ArrayList<>();
              try (PreparedStatement s =
                      c.prepareStatement(
                          "SELECT terms_id, session_id FROM use_reservations"
                              + " WHERE state = 'RESERVED' AND terms_id IN (SELECT "
                              + counter.idColumn()
                              + " FROM "
                              + counter.table()
                              + ")");
                  ResultSet r = s.executeQuery()) {
                while (r.next()) {
                  out.add(new Key(r.getString(1), r.getString(2)));
                }
              }
              return out;
            });
    int returned = 0;
    for (Key k : reserved) {
      if (giveBack(k.termsId(), k.sessionId())) {
        returned++;
      }
    }
    return returned;
  }

  @Override
  public Optional<State> state(String termsId, String sessionId) {
    return db.query(c -> row(c, termsId, sessionId).map(Row::state));
  }

  @Override
  public String toString() {
    return "the use ledger of " + counter.table();
  }
}
