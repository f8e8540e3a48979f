package io.sluice.compute;

import io.sluice.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The duties this node found violated, durably, per agreement: what a node observes by itself (a
 * provider that never received a use's inform notice). {@link ComputeGuard} passes them to the
 * policy evaluation, which then denies the permission that carried the duty.
 */
public final class DutyLedger {
  private final Database db;

  public DutyLedger(Database db) {
    this.db = db;
  }

  /** Records that {@code dutyPointer} of the agreement was violated, and why. */
  public void record(String agreementId, String dutyPointer, String reason, Instant at) {
    db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO duty_violations (agreement_id, duty_pointer, reason, recorded_ms)"
                      + " VALUES (?, ?, ?, ?)")) {
            s.setString(1, agreementId);
            s.setString(2, dutyPointer);
            s.setString(3, reason);
            s.setLong(4, at.toEpochMilli());
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
