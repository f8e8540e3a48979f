package io.sluice.results;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link ResultStore} on SQLite or PostgreSQL (the same SQL runs on both). */
public final class JdbcResultStore implements ResultStore {
  private static final String COLUMNS =
      "id, agreement_id, session_id, trace_id, output_path, sha256, size_bytes, row_count,"
          + " created_ms, duty_pointer, retention, delete_by_ms, state, deleted_ms, note";
  private static final String SELECT = "SELECT " + COLUMNS + " FROM results";

  private final Database db;

  public JdbcResultStore(Database db) {
    this.db = db;
  }

  @Override
  public void insert(ResultRecord r) {
    db.runInTransaction(
        c -> {
          if (!many(c, SELECT + " WHERE id = ?", r.id()).isEmpty()) {
            throw new SluiceException(ErrorCode.ALREADY_EXISTS, "result " + r.id() + " exists");
          }
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO results ("
                      + COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, r.id());
            s.setString(2, r.agreementId());
            s.setString(3, r.sessionId());
            s.setString(4, r.traceId());
            s.setString(5, r.output().path().toString());
            s.setString(6, r.output().sha256());
            s.setLong(7, r.output().bytes());
            s.setLong(8, r.output().rows());
            s.setLong(9, r.createdAt().toEpochMilli());
            s.setString(10, r.duty().map(ResultRecord.Duty::pointer).orElse(""));
            s.setString(11, r.duty().map(ResultRecord.Duty::retention).orElse(""));
            setInstant(s, 12, r.deleteBy());
            s.setString(13, r.state().name());
            setInstant(s, 14, r.deletedAt());
            s.setString(15, r.note());
            return s.executeUpdate();
          }
        });
  }

  @Override
  public boolean remove(String resultId) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement("DELETE FROM results WHERE id = ?")) {
            s.setString(1, resultId);
            return s.executeUpdate() == 1;
          }
        });
  }

  @Override
  public Optional<ResultRecord> find(String resultId) {
    return db.query(c -> many(c, SELECT + " WHERE id = ?", resultId).stream().findFirst());
  }

  @Override
  public List<ResultRecord> list(Optional<String> agreementId) {
    return db.query(
        c ->
            agreementId.isPresent()
                ? many(
                    c,
                    SELECT + " WHERE agreement_id = ? ORDER BY created_ms, id",
                    agreementId.get())
                : many(c, SELECT + " ORDER BY created_ms, id"));
  }

  @Override
  public List<ResultRecord> due(Instant now) {
    return db.query(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  SELECT
                      + " WHERE state IN ('KEPT', 'DELETE_FAILED') AND delete_by_ms <= ?"
                      + " ORDER BY delete_by_ms, id")) {
            s.setLong(1, now.toEpochMilli());
            return read(s);
          }
        });
  }

  @Override
  public boolean update(ResultRecord r, ResultState expected) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE results SET state = ?, deleted_ms = ?, note = ?"
                      + " WHERE id = ? AND state = ?")) {
            s.setString(1, r.state().name());
            setInstant(s, 2, r.deletedAt());
            s.setString(3, r.note());
            s.setString(4, r.id());
            s.setString(5, expected.name());
            return s.executeUpdate() == 1;
          }
        });
  }

  private static void setInstant(PreparedStatement s, int index, Optional<Instant> instant)
      throws SQLException {
    if (instant.isPresent()) {
      s.setLong(index, instant.get().toEpochMilli());
    } else {
      s.setNull(index, Types.BIGINT);
    }
  }

  private static List<ResultRecord> many(Connection c, String sql, String... args)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setString(i + 1, args[i]);
      }
      return read(s);
    }
  }

  private static List<ResultRecord> read(PreparedStatement s) throws SQLException {
    List<ResultRecord> out = new ArrayList<>();
    try (ResultSet r = s.executeQuery()) {
      while (r.next()) {
        out.add(record(r));
      }
    }
    return out;
  }

  private static ResultRecord record(ResultSet r) throws SQLException {
    String pointer = r.getString(10);
    String retention = r.getString(11);
    Optional<ResultRecord.Duty> duty =
        instant(r, 12).map(at -> new ResultRecord.Duty(pointer, retention, at));
    return new ResultRecord(
        r.getString(1),
        r.getString(2),
        r.getString(3),
        r.getString(4),
        new ResultRecord.Output(
            Path.of(r.getString(5)), r.getString(6), r.getLong(7), r.getLong(8)),
        Instant.ofEpochMilli(r.getLong(9)),
        duty,
        ResultState.valueOf(r.getString(13)),
        instant(r, 14),
        r.getString(15));
  }

  private static Optional<Instant> instant(ResultSet r, int index) throws SQLException {
    long ms = r.getLong(index);
    return r.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(ms));
  }
}
