package io.sluice.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ResultRetentionTest extends RetentionTestSupport {

  @Test
  void registersTheResultWithItsDeadlineManifestRecordAndAuditEntry() throws Exception {
    Path out = output("matched.csv");
    byte[] bytes = Files.readAllBytes(out);
    ResultRecord r = register("a1", out, Optional.of(Duties.delete("P30D")));

    assertThat(r.state()).isEqualTo(ResultState.KEPT);
    assertThat(r.createdAt()).isEqualTo(T0);
    assertThat(r.deleteBy()).contains(T0.plus(Duration.ofDays(30)));
    assertThat(r.duty().orElseThrow().pointer()).isEqualTo("/permission/0/duty/0");
    assertThat(r.duty().orElseThrow().retention()).isEqualTo("P30D");
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    assertThat(r.output())
        .isEqualTo(new ResultRecord.Output(out.toAbsolutePath(), sha256, bytes.length, 1));
    assertThat(stored(r)).isEqualTo(r);

    JsonNode manifest =
        new ObjectMapper().readTree(dir.resolve("matched.csv.sluice-result.json").toFile());
    assertThat(manifest.get("resultId").asText()).isEqualTo(r.id());
    assertThat(manifest.get("agreementId").asText()).isEqualTo("a1");
    assertThat(manifest.get("traceId").asText()).isEqualTo("trace-1");
    assertThat(manifest.get("createdAt").asText()).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(manifest.get("deleteBy").asText()).isEqualTo("2026-03-31T10:00:00Z");
    assertThat(manifest.get("duty").get("pointer").asText()).isEqualTo("/permission/0/duty/0");
    assertThat(manifest.get("duty").get("retention").asText()).isEqualTo("P30D");
    assertThat(manifest.get("sha256").asText()).isEqualTo(sha256);
    assertThat(manifest.get("rows").asLong()).isEqualTo(1);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary file is left")
          .containsExactlyInAnyOrder("matched.csv", "matched.csv.sluice-result.json");
    }

    AuditEvent kept = events(EventType.RESULT_KEPT).get(0);
    assertThat(kept.traceId()).isEqualTo("trace-1");
    assertThat(kept.sessionId()).isEqualTo("session-1");
    assertThat(kept.agreementId()).isEqualTo("a1");
    assertThat(kept.actor()).isEqualTo(SELF);
    assertThat(kept.digest()).isEqualTo(HexFormat.of().parseHex(sha256));
    assertThat(kept.details().get("result").asText()).isEqualTo(r.id());
    assertThat(kept.details().get("file").asText()).isEqualTo("matched.csv");
    assertThat(kept.details().get("deleteBy").asText()).isEqualTo("2026-03-31T10:00:00Z");
    assertThat(kept.details().get("duty").asText()).isEqualTo("/permission/0/duty/0");
    assertThat(kept.details().get("retention").asText()).isEqualTo("P30D");
    assertThat(kept.details().get("rows").asLong()).isEqualTo(1);
  }

  @Test
  void sweepDeletesExactlyTheResultsPastTheirDeadline() {
    ResultRecord hour = register("a1", "hour.csv", "PT1H");
    ResultRecord day = register("a1", "day.csv", "P1D");
    ResultRecord forever = register("a1", output("forever.csv"), Optional.empty());
    assertThat(forever.deleteBy()).isEmpty();

    clock.advance(Duration.ofMinutes(59));
    assertThat(retention.sweep().total()).isZero();
    clock.advance(Duration.ofMinutes(2));
    assertThat(retention.sweep()).isEqualTo(new ResultRetention.SweepSummary(1, 0, 0));

    assertThat(dir.resolve("hour.csv")).doesNotExist();
    assertThat(dir.resolve("hour.csv.sluice-result.json")).doesNotExist();
    assertThat(dir.resolve("day.csv")).exists();
    assertThat(dir.resolve("forever.csv")).exists();
    assertThat(stored(hour).state()).isEqualTo(ResultState.DELETED);
    assertThat(stored(hour).deletedAt()).contains(T0.plus(Duration.ofMinutes(61)));
    assertThat(stored(day).state()).isEqualTo(ResultState.KEPT);
    assertThat(retention.sweep().total()).as("nothing twice").isZero();

    AuditEvent deleted = events(EventType.RESULT_DELETED).get(0);
    assertThat(deleted.traceId()).isEqualTo("trace-1");
    assertThat(deleted.agreementId()).isEqualTo("a1");
    assertThat(deleted.details().get("result").asText()).isEqualTo(hour.id());
    assertThat(deleted.details().get("file").asText()).isEqualTo("hour.csv");
    assertThat(deleted.details().get("state").asText()).isEqualTo("DELETED");
    assertThat(deleted.details().get("by").asText()).isEqualTo("sweep");
    assertThat(deleted.details().get("deleteBy").asText()).isEqualTo("2026-03-01T11:00:00Z");
    assertThat(deleted.details().get("lateSeconds").asLong()).isEqualTo(60);

    clock.set(T0.plus(Duration.ofDays(1).plusMinutes(1)));
    assertThat(retention.sweep()).isEqualTo(new ResultRetention.SweepSummary(1, 0, 0));
    assertThat(stored(day).state()).isEqualTo(ResultState.DELETED);
    clock.advance(Duration.ofDays(1000));
    assertThat(retention.sweep().total()).isZero();
    assertThat(dir.resolve("forever.csv")).as("no delete duty, no deadline").exists();
    assertThat(retention.violatedDuties("a1")).isEmpty();
  }

  @Test
  void aFileAlreadyGoneIsMissingAndViolatesItsDuty() throws IOException {
    ResultRecord r = register("a1", "gone.csv", "PT1H");
    Files.delete(dir.resolve("gone.csv"));
    clock.advance(Duration.ofHours(2));

    assertThat(retention.sweep()).isEqualTo(new ResultRetention.SweepSummary(0, 1, 0));
    assertThat(stored(r).state()).isEqualTo(ResultState.MISSING);
    assertThat(dir.resolve("gone.csv.sluice-result.json")).doesNotExist();
    assertThat(events(EventType.RESULT_DELETED).get(0).details().get("state").asText())
        .isEqualTo("MISSING");
    assertThat(retention.violatedDuties("a1"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.pointer()).isEqualTo("/permission/0/duty/0");
              assertThat(v.reason())
                  .contains(r.id())
                  .contains("2026-03-01T11:00:00Z")
                  .contains("removed outside Sluice");
            });
  }

  @Test
  void aFileThatCannotBeDeletedIsTriedAgainEverySweepAndAuditedOnce() throws IOException {
    ResultRecord r = register("a1", "stuck.csv", "PT1H");
    // a non-empty directory in the file's place: no user, not even root, deletes it with delete()
    Files.delete(dir.resolve("stuck.csv"));
    Files.createDirectories(dir.resolve("stuck.csv"));
    Files.writeString(dir.resolve("stuck.csv/inside"), "x");
    clock.advance(Duration.ofMinutes(61));

    assertThat(retention.sweep()).isEqualTo(new ResultRetention.SweepSummary(0, 0, 1));
    assertThat(stored(r).state()).isEqualTo(ResultState.DELETE_FAILED);
    assertThat(stored(r).note()).isEqualTo("a non-empty directory is in its place");
    assertThat(dir.resolve("stuck.csv.sluice-result.json")).as("kept with its file").exists();
    assertThat(retention.violatedDuties("a1")).as("within the grace").isEmpty();

    clock.advance(Duration.ofHours(1));
    assertThat(retention.sweep()).isEqualTo(new ResultRetention.SweepSummary(0, 0, 1));
    assertThat(events(EventType.RESULT_DELETED)).as("a repeated failure is not news").hasSize(1);
    assertThat(events(EventType.RESULT_DELETED).get(0).details().get("state").asText())
        .isEqualTo("DELETE_FAILED");
    assertThat(retention.violatedDuties("a1"))
        .singleElement()
        .satisfies(
            v ->
                assertThat(v.reason())
                    .contains(r.id())
                    .contains("was not deleted by its deadline 2026-03-01T11:00:00Z")
                    .contains("a non-empty directory"));

    Files.delete(dir.resolve("stuck.csv/inside"));
    assertThat(retention.sweep()).isEqualTo(new ResultRetention.SweepSummary(1, 0, 0));
    assertThat(stored(r).state()).isEqualTo(ResultState.DELETED);
    assertThat(dir.resolve("stuck.csv.sluice-result.json")).doesNotExist();
    assertThat(retention.violatedDuties("a1"))
        .singleElement()
        .satisfies(v -> assertThat(v.reason()).contains("was kept past its deadline"));
  }

  @Test
  void aFileInAReadOnlyDirectoryIsDeleteFailed() throws IOException {
    ResultRecord r = register("a1", "locked/result.csv", "PT1H");
    Path locked = dir.resolve("locked");
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      Assumptions.assumeFalse(
          Files.isWritable(locked),
          "running as root: directory permissions do not stop deleting here (the non-empty"
              + " directory test covers DELETE_FAILED)");
      clock.advance(Duration.ofHours(2));
      assertThat(retention.sweep()).isEqualTo(new ResultRetention.SweepSummary(0, 0, 1));
      assertThat(stored(r).state()).isEqualTo(ResultState.DELETE_FAILED);
      assertThat(stored(r).note()).isEqualTo("permission denied");
      assertThat(locked.resolve("result.csv")).exists();
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    assertThat(retention.sweep()).isEqualTo(new ResultRetention.SweepSummary(1, 0, 0));
  }

  @Test
  void aDeletionWithinTheGraceIsFineALaterOneViolatesTheDuty() {
    ResultRecord onTime = register("a1", "on-time.csv", "PT1H");
    ResultRecord late = register("a2", "late.csv", "PT1H");

    clock.advance(Duration.ofMinutes(90));
    assertThat(retention.violatedDuties("a1")).isEmpty();
    retention.purge(onTime.id());
    assertThat(retention.violatedDuties("a1"))
        .as("deleted 30 minutes late, within the grace")
        .isEmpty();

    clock.advance(Duration.ofMinutes(31));
    assertThat(retention.violatedDuties("a2"))
        .singleElement()
        .satisfies(v -> assertThat(v.reason()).contains(late.id()).contains("not deleted"));
    retention.sweep();
    assertThat(stored(late).state()).isEqualTo(ResultState.DELETED);
    assertThat(retention.violatedDuties("a2"))
        .singleElement()
        .satisfies(
            v ->
                assertThat(v.reason())
                    .contains(late.id())
                    .contains("kept past its deadline 2026-03-01T11:00:00Z"));
    assertThat(retention.violatedDuties("a1")).isEmpty();
    assertThat(retention.violatedDuties("unknown")).isEmpty();
  }

  @Test
  void theOperatorPurgesOneResultTheExpiredOnesOrAllOfAnAgreement() {
    ResultRecord first = register("a1", "first.csv", "P30D");
    ResultRecord second = register("a1", "second.csv", "P30D");
    ResultRecord other = register("a2", "other.csv", "P30D");
    ResultRecord undated = register("a2", output("undated.csv"), Optional.empty());

    ResultRecord purged = retention.purge(first.id());
    assertThat(purged.state()).isEqualTo(ResultState.PURGED);
    assertThat(stored(first)).isEqualTo(purged);
    assertThat(dir.resolve("first.csv")).doesNotExist();
    AuditEvent event = events(EventType.RESULT_DELETED).get(0);
    assertThat(event.details().get("by").asText()).isEqualTo("operator");
    assertThat(event.details().get("state").asText()).isEqualTo("PURGED");
    assertThat(event.details().get("lateSeconds").asLong()).isEqualTo(-30L * 86_400);

    assertThatThrownBy(() -> retention.purge(first.id()))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("purged already")
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.CONFLICT);
    assertThatThrownBy(() -> retention.purge("no-such-result"))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.NOT_FOUND);

    assertThat(retention.purgeAll(Optional.of("a2")))
        .extracting(ResultRecord::id, ResultRecord::state)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(other.id(), ResultState.PURGED),
            org.assertj.core.groups.Tuple.tuple(undated.id(), ResultState.PURGED));
    assertThat(dir.resolve("second.csv")).exists();

    assertThat(retention.purgeExpired()).isEmpty();
    clock.advance(Duration.ofDays(30).plusMinutes(5));
    assertThat(retention.purgeExpired())
        .singleElement()
        .satisfies(r -> assertThat(r.id()).isEqualTo(second.id()));
    assertThat(dir.resolve("second.csv")).doesNotExist();
    assertThat(retention.violatedDuties("a1")).isEmpty();
    assertThat(retention.list(Optional.empty()))
        .extracting(ResultRecord::state)
        .containsOnly(ResultState.PURGED);
  }

  @Test
  void auditEntriesNeverHoldTheFilesValuesOrDirectories() {
    ResultRecord r = register("a1", "values.csv", "PT1H");
    clock.advance(Duration.ofHours(2));
    retention.sweep();
    List<AuditEvent> all = events();
    assertThat(all)
        .extracting(AuditEvent::type)
        .contains(EventType.RESULT_KEPT, EventType.RESULT_DELETED);
    for (AuditEvent e : all) {
      assertThat(e.detailsJson()).doesNotContain(SECRET).doesNotContain(dir.toString());
    }
    assertThat(r.output().path().startsWith(dir)).isTrue();
  }
}
