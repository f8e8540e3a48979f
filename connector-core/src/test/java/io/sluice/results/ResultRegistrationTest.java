package io.sluice.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.EventType;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.policy.eval.Obligation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Checking an output before a computation, and registration that fails closed. */
class ResultRegistrationTest extends RetentionTestSupport {
  private static final Optional<Obligation> THIRTY_DAYS = Optional.of(Duties.delete("P30D"));

  private AbstractThrowableAssert<?, ? extends Throwable> refusal(
      Path output, Optional<Obligation> duty, ErrorCode code) {
    return assertThatThrownBy(() -> retention.checkDeletable(output, duty))
        .isInstanceOf(SluiceException.class)
        .satisfies(e -> assertThat(((SluiceException) e).code()).isEqualTo(code));
  }

  @Test
  void acceptsANewFileInAWritableDirectory() {
    assertThatCode(() -> retention.checkDeletable(dir.resolve("new.csv"), THIRTY_DAYS))
        .doesNotThrowAnyException();
    assertThatCode(() -> retention.checkDeletable(dir.resolve("new.csv"), Optional.empty()))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesStandardOutputDevicesDirectoriesAndTakenPlaces() throws IOException {
    refusal(Path.of("-"), THIRTY_DAYS, ErrorCode.INVALID_ARGUMENT)
        .hasMessageContaining("standard output");
    refusal(Path.of("/dev/null"), THIRTY_DAYS, ErrorCode.INVALID_ARGUMENT)
        .hasMessageContaining("not a regular file");
    refusal(Path.of("/dev/stdout"), THIRTY_DAYS, ErrorCode.INVALID_ARGUMENT)
        .hasMessageContaining("not a regular file");
    refusal(Path.of("/proc/sluice-result.csv"), THIRTY_DAYS, ErrorCode.INVALID_ARGUMENT)
        .hasMessageContaining("device or kernel file system");
    refusal(dir, THIRTY_DAYS, ErrorCode.INVALID_ARGUMENT).hasMessageContaining("is a directory");
    refusal(dir.resolve("no/such/dir.csv"), THIRTY_DAYS, ErrorCode.INVALID_ARGUMENT)
        .hasMessageContaining("does not exist");
    refusal(output("taken.csv"), THIRTY_DAYS, ErrorCode.ALREADY_EXISTS)
        .hasMessageContaining("never replaces");
    Files.createDirectories(dir.resolve("x.csv.sluice-result.json"));
    refusal(dir.resolve("x.csv"), THIRTY_DAYS, ErrorCode.INVALID_ARGUMENT)
        .hasMessageContaining("manifest");
  }

  @Test
  void refusesADirectoryItCannotWriteIn() throws IOException {
    Path locked = Files.createDirectories(dir.resolve("locked"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      Assumptions.assumeFalse(
          Files.isWritable(locked), "running as root: directory permissions do not apply here");
      refusal(locked.resolve("r.csv"), THIRTY_DAYS, ErrorCode.INVALID_ARGUMENT)
          .hasMessageContaining("cannot write");
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void refusesADutyItCannotKeep() {
    refusal(
            dir.resolve("r.csv"),
            Optional.of(Duties.deleteWithoutRetention()),
            ErrorCode.DELETE_DUTY_UNFULFILLABLE)
        .hasMessageContaining("/permission/0/duty/0")
        .hasMessageContaining("names no sluice:retention");
    refusal(dir.resolve("alice@example.com.csv"), THIRTY_DAYS, ErrorCode.DELETE_DUTY_UNFULFILLABLE)
        .hasMessageContaining("audit log cannot record");
  }

  @Test
  void failsClosedWhenTheAuditLogFails() {
    Path out = output("r.csv");
    audit.close();
    assertThatThrownBy(() -> register("a1", out, THIRTY_DAYS))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("r.csv could not be registered and was deleted")
        .hasMessageContaining("audit log is closed");
    assertNothingRemains(out);
    assertThat(store.list(Optional.empty())).as("the record was taken back").isEmpty();
  }

  @Test
  void failsClosedWhenTheStoreFails() {
    ResultStore broken =
        new ResultStore() {
          @Override
          public void insert(ResultRecord record) {
            throw new SluiceException(ErrorCode.IO_ERROR, "the store failed (SQLState 08006)");
          }

          @Override
          public boolean remove(String resultId) {
            return store.remove(resultId);
          }

          @Override
          public Optional<ResultRecord> find(String resultId) {
            return store.find(resultId);
          }

          @Override
          public List<ResultRecord> list(Optional<String> agreementId) {
            return store.list(agreementId);
          }

          @Override
          public List<ResultRecord> due(Instant now) {
            return store.due(now);
          }

          @Override
          public boolean update(ResultRecord record, ResultState expected) {
            return store.update(record, expected);
          }
        };
    retention = new ResultRetention(broken, audit, SELF, clock, GRACE);
    Path out = output("r.csv");
    assertThatThrownBy(() -> register("a1", out, THIRTY_DAYS))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("could not be registered and was deleted")
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.IO_ERROR);
    assertNothingRemains(out);
    assertThat(events(EventType.RESULT_KEPT)).isEmpty();
  }

  @Test
  void failsClosedWhenTheDutyCannotBeKept() {
    Path out = output("r.csv");
    assertThatThrownBy(() -> register("a1", out, Optional.of(Duties.deleteWithoutRetention())))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.DELETE_DUTY_UNFULFILLABLE);
    assertNothingRemains(out);
    assertThat(events(EventType.RESULT_KEPT)).isEmpty();
  }

  @Test
  void leavesAloneWhatIsNotARegularFile() {
    assertThatThrownBy(() -> register("a1", dir, THIRTY_DAYS))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("not a regular file");
    assertThat(dir).isDirectory();
  }

  private void assertNothingRemains(Path out) {
    assertThat(out).doesNotExist();
    assertThat(out.resolveSibling("r.csv.sluice-result.json")).doesNotExist();
    try (var files = Files.list(dir)) {
      assertThat(files).as("nothing half-written").isEmpty();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
