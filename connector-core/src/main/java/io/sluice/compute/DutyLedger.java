package io.sluice.compute;

import io.sluice.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The duties this node found violated, durably, per agreement: what a node observes by itself (a
 * provider that has not received a use's inform notice: recorded when the use is spent, cleared
 * when a valid notice arrives, so a crash or any other ending in between leaves it standing).
 * {@link ComputeGuard} passes them to the policy evaluation, which then denies the permission that
 * carried the duty.
 */
public final class DutyLedger {
  private final Database db;

  public DutyLedger(Database db) {
    this.db = db;
  }

  /**
   * Records that {@code dutyPointer} of the agreement was violated, and why; returns the entry's id
   * (for {@link #clear}, when the violation was recorded ahead of the proof that would undo it).
   */
  public String record(String agreementId, String dutyPointer, String reason, Instant at) {
    String id = java.util.UUID.randomUUID().toString();
    db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO duty_violations (id, agreement_id, duty_pointer, reason, recorded_ms)"
                      + " VALUES (?, ?, ?, ?, ?)")) {
            s.setString(1, id);
            s.setString(2, agreementId);
            s.setString(3, dutyPointer);
            s.setString(4, reason);
            s.setLong(5, at.toEpochMilli());
            return s.executeUpdate();
          }
        });
    return id;
  }

  /** Removes an entry {@link #record} returned: the duty was fulfilled after all. */
  public void clear(String id) {
    db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("DELETE FROM duty_violations WHERE id = ?")) {
            s.setString(1, id);
            return s.executeUpdate();
          }
        });
  }

  /** The recorded violations of an agreement, oldest first. */
  public List<Duties.Violation> violations(String agreementId) {
    return db.query(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT duty_pointer, reason FROM duty_violations WHERE agreement_id = ?"
                      + " ORDER BY recorded_ms")) {
            s.setString(1, agreementId);
            List<Duties.Violation> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
              while (r.next()) {
                out.add(new Duties.Violation(r.getString(1), r.getString(2)));
              }
            }
            return out;
          }
        });
  }
}
