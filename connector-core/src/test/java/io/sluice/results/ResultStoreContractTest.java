package io.sluice.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One contract for every {@link ResultStore}; subclasses run it on SQLite and PostgreSQL. */
abstract class ResultStoreContractTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  abstract Database open();

  static ResultRecord kept(String id, String agreement, Instant created, Instant deleteBy) {
    return new ResultRecord(
        id,
        agreement,
        "session-" + id,
        "trace-" + id,
        new ResultRecord.Output(Path.of("/results/" + id + ".csv"), "ab".repeat(32), 1234, 56),
        created,
        Optional.ofNullable(deleteBy)
            .map(at -> new ResultRecord.Duty("/permission/0/duty/0", "P30D", at)),
        ResultState.KEPT,
        Optional.empty(),
        "");
  }

  @Test
  void storesAndReadsARecordExactlyAsItWasAcrossARestart() {
    ResultRecord withDuty = kept("r1", "a1", T0, T0.plusSeconds(3600));
    ResultRecord withoutDuty = kept("r2", "a1", T0.plusSeconds(1), null);
    try (Database db = open()) {
      ResultStore store = new JdbcResultStore(db);
      store.insert(withDuty);
      store.insert(withoutDuty);
    }
    try (Database db = open()) {
      ResultStore store = new JdbcResultStore(db);
      assertThat(store.find("r1")).contains(withDuty);
      assertThat(store.find("r2")).contains(withoutDuty);
      assertThat(store.find("r3")).isEmpty();
      assertThat(store.list(Optional.empty())).containsExactly(withDuty, withoutDuty);
    }
  }

  @Test
  void refusesADuplicateId() {
    try (Database db = open()) {
      ResultStore store = new JdbcResultStore(db);
      store.insert(kept("r1", "a1", T0, null));
      assertThatThrownBy(() -> store.insert(kept("r1", "a2", T0, null)))
          .isInstanceOf(SluiceException.class)
          .extracting(e -> ((SluiceException) e).code())
          .isEqualTo(ErrorCode.ALREADY_EXISTS);
      assertThat(store.find("r1").orElseThrow().agreementId()).isEqualTo("a1");
    }
  }

  @Test
  void listsOneAgreementsResultsOldestFirst() {
    try (Database db = open()) {
      ResultStore store = new JdbcResultStore(db);
      store.insert(kept("late", "a1", T0.plusSeconds(10), null));
      store.insert(kept("other", "a2", T0.plusSeconds(5), null));
      store.insert(kept("early", "a1", T0, null));
      assertThat(store.list(Optional.of("a1")))
          .extracting(ResultRecord::id)
          .containsExactly("early", "late");
      assertThat(store.list(Optional.of("a3"))).isEmpty();
      assertThat(store.list(Optional.empty()))
          .extracting(ResultRecord::id)
          .containsExactly("early", "other", "late");
    }
  }

  @Test
  void dueAreTheUndeletedPastTheirDeadlineEarliestFirst() {
    try (Database db = open()) {
      ResultStore store = new JdbcResultStore(db);
      store.insert(kept("later", "a1", T0, T0.plusSeconds(200)));
      store.insert(kept("sooner", "a1", T0, T0.plusSeconds(100)));
      store.insert(kept("future", "a1", T0, T0.plusSeconds(1000)));
      store.insert(kept("noDuty", "a1", T0, null));
      ResultRecord failed =
          kept("failed", "a1", T0, T0.plusSeconds(50))
              .moveTo(ResultState.DELETE_FAILED, T0, "permission denied");
      store.insert(failed);
      ResultRecord gone =
          kept("gone", "a1", T0, T0.plusSeconds(10)).moveTo(ResultState.DELETED, T0, "");
      store.insert(gone);

      assertThat(store.due(T0.plusSeconds(200)))
          .extracting(ResultRecord::id)
          .containsExactly("failed", "sooner", "later");
      assertThat(store.due(T0.plusSeconds(99)))
          .extracting(ResultRecord::id)
          .containsExactly("failed");
    }
  }

  @Test
  void updateChangesTheStateOnlyFromTheExpectedOne() {
    try (Database db = open()) {
      ResultStore store = new JdbcResultStore(db);
      ResultRecord r = kept("r1", "a1", T0, T0.plusSeconds(10));
      store.insert(r);
      ResultRecord purged = r.moveTo(ResultState.PURGED, T0.plusSeconds(5), "");
      assertThat(store.update(purged, ResultState.KEPT)).isTrue();
      assertThat(store.find("r1")).contains(purged);

      ResultRecord again = r.moveTo(ResultState.DELETED, T0.plusSeconds(20), "");
      assertThat(store.update(again, ResultState.KEPT)).isFalse();
      assertThat(store.find("r1")).contains(purged);
      assertThat(store.update(kept("nobody", "a1", T0, null), ResultState.KEPT)).isFalse();
    }
  }

  @Test
  void removeTakesARecordAway() {
    try (Database db = open()) {
      ResultStore store = new JdbcResultStore(db);
      store.insert(kept("r1", "a1", T0, null));
      assertThat(store.remove("r1")).isTrue();
      assertThat(store.remove("r1")).isFalse();
      assertThat(store.find("r1")).isEmpty();
    }
  }
}
