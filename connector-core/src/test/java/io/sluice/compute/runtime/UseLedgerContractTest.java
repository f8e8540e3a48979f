package io.sluice.compute.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.negotiation.TestAgreements;
import io.sluice.store.Database;
import io.sluice.testing.Property;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The use ledger's contract, run on SQLite and PostgreSQL. */
abstract class UseLedgerContractTest {
  abstract Database open();

  private static UseLedger ledger(Database db) {
    return new JdbcUseLedger(db, JdbcUseLedger.Counter.AGREEMENTS, Clock.systemUTC());
  }

  private static void assertCode(Runnable r, ErrorCode code) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void aRetriedSessionCountsOnceAndASpentOneNeverRunsAgain() {
    try (Database db = open()) {
      TestAgreements.insert(db, "a1");
      UseLedger uses = ledger(db);
      var first = uses.reserve("a1", "s1", 2);
      assertThat(first.useNumber()).isEqualTo(1);
      assertThat(first.repeated()).isFalse();
      var retry = uses.reserve("a1", "s1", 2);
      assertThat(retry.useNumber()).isEqualTo(1);
      assertThat(retry.repeated()).isTrue();
      assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);

      uses.spend("a1", "s1");
      uses.spend("a1", "s1"); // harmless twice
      assertThat(uses.state("a1", "s1")).contains(UseLedger.State.SPENT);
      assertCode(() -> uses.reserve("a1", "s1", 2), ErrorCode.SESSION_SPENT);
      assertThat(uses.giveBack("a1", "s1")).isFalse();
      assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);
    }
  }

  @Test
  void aReturnedUseIsCountedAgainOnlyWhenTheSessionRunsAgain() {
    try (Database db = open()) {
      TestAgreements.insert(db, "a1");
      UseLedger uses = ledger(db);
      uses.reserve("a1", "s1", 1);
      assertCode(() -> uses.reserve("a1", "s2", 1), ErrorCode.USE_COUNT_EXHAUSTED);
      assertThat(uses.giveBack("a1", "s1")).isTrue();
      assertThat(uses.giveBack("a1", "s1")).isFalse();
      assertThat(uses.state("a1", "s1")).contains(UseLedger.State.RETURNED);
      assertThat(TestAgreements.useCount(db, "a1")).isZero();
      // Use numbers never repeat, even after a use came back.
      assertThat(uses.reserve("a1", "s2", 1).useNumber()).isEqualTo(2);
      assertCode(() -> uses.reserve("a1", "s1", 1), ErrorCode.USE_COUNT_EXHAUSTED);
      assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);
    }
  }

  @Test
  void unknownTermsAndSpendingWithoutAReservationAreRefused() {
    try (Database db = open()) {
      UseLedger uses = ledger(db);
      assertCode(() -> uses.reserve("missing", "s1", -1), ErrorCode.AGREEMENT_NOT_USABLE);
      TestAgreements.insert(db, "a1");
      assertThatThrownBy(() -> uses.spend("a1", "never")).isInstanceOf(IllegalStateException.class);
      assertThat(uses.state("a1", "never")).isEmpty();
    }
  }

  @Test
  void aTerminatedAgreementReservesNothingEvenRightAfterItWasJudged() {
    try (Database db = open()) {
      TestAgreements.insert(db, "a1");
      UseLedger uses = ledger(db);
      uses.reserve("a1", "s1", -1);
      TestAgreements.terminate(db, "a1");
      assertCode(() -> uses.reserve("a1", "s2", -1), ErrorCode.AGREEMENT_NOT_USABLE);
      assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);
    }
  }

  @Test
  void aRestartGivesBackWhatACrashLeftReservedAndKeepsWhatWasSpent() {
    try (Database db = open()) {
      TestAgreements.insert(db, "a1");
      TestAgreements.insert(db, "a2");
      UseLedger uses = ledger(db);
      uses.reserve("a1", "s1", -1);
      uses.reserve("a1", "s2", -1);
      uses.spend("a1", "s2");
      uses.reserve("a2", "s1", -1);
      assertThat(ledger(db).giveBackAll()).isEqualTo(2);
      assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);
      assertThat(TestAgreements.useCount(db, "a2")).isZero();
      assertThat(uses.state("a1", "s2")).contains(UseLedger.State.SPENT);
      assertThat(ledger(db).giveBackAll()).isZero();
    }
  }

  @Test
  void concurrentSessionsNeverTakeMoreThanTheLimit() throws Exception {
    try (Database db = open()) {
      TestAgreements.insert(db, "a1");
      UseLedger uses = ledger(db);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Boolean>> futures = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          // Every session twice, at once: a retry racing its own first attempt.
          String session = "s" + (i / 2);
          futures.add(
              pool.submit(
                  () -> {
                    try {
                      uses.reserve("a1", session, 12);
                      return true;
                    } catch (SluiceException e) {
                      assertThat(e.code()).isEqualTo(ErrorCode.USE_COUNT_EXHAUSTED);
                      return false;
                    }
                  }));
        }
        for (Future<Boolean> f : futures) {
          f.get();
        }
        assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(12);
        long reserved =
            java.util.stream.IntStream.range(0, 20)
                .filter(i -> uses.state("a1", "s" + i).isPresent())
                .count();
        assertThat(reserved).isEqualTo(12);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /**
   * Against a model: any interleaving of reservations, retries, spends, give-backs and restarts
   * keeps the count equal to the sessions holding a use, never above the limit, and never lets a
   * spent session run again.
   */
  @Test
  void theCountIsAlwaysTheSessionsThatHoldAUse() {
    try (Database db = open()) {
      int[] agreement = {0};
      Property.forAll(
          25,
          gen -> {
            String terms = "p" + agreement[0]++;
            TestAgreements.insert(db, terms);
            UseLedger uses = ledger(db);
            int limit = gen.between(1, 4);
            Map<String, UseLedger.State> model = new HashMap<>();
            for (int step = 0; step < 30; step++) {
              String session = "s" + gen.between(0, 5);
              UseLedger.State was = model.get(session);
              switch (gen.weighted(5, 2, 2, 1)) {
                case 0 -> {
                  long held =
                      model.values().stream().filter(s -> s != UseLedger.State.RETURNED).count();
                  try {
                    uses.reserve(terms, session, limit);
                    assertThat(was).isNotEqualTo(UseLedger.State.SPENT);
                    assertThat(was == UseLedger.State.RESERVED || held < limit).isTrue();
                    model.put(session, UseLedger.State.RESERVED);
                  } catch (SluiceException e) {
                    if (was == UseLedger.State.SPENT) {
                      assertThat(e.code()).isEqualTo(ErrorCode.SESSION_SPENT);
                    } else {
                      assertThat(e.code()).isEqualTo(ErrorCode.USE_COUNT_EXHAUSTED);
                      assertThat(held).isEqualTo(limit);
                    }
                  }
                }
                case 1 -> {
                  if (was == UseLedger.State.RESERVED || was == UseLedger.State.SPENT) {
                    uses.spend(terms, session);
                    model.put(session, UseLedger.State.SPENT);
                  }
                }
                case 2 -> {
                  boolean back = uses.giveBack(terms, session);
                  assertThat(back).isEqualTo(was == UseLedger.State.RESERVED);
                  if (back) {
                    model.put(session, UseLedger.State.RETURNED);
                  }
                }
                default -> {
                  ledger(db).giveBackAll(); // a restart after a crash
                  model.replaceAll(
                      (k, v) -> v == UseLedger.State.RESERVED ? UseLedger.State.RETURNED : v);
                }
              }
              long held =
                  model.values().stream().filter(s -> s != UseLedger.State.RETURNED).count();
              assertThat(TestAgreements.useCount(db, terms)).isEqualTo(held);
              assertThat(held).isLessThanOrEqualTo(limit);
              for (var e : model.entrySet()) {
                assertThat(uses.state(terms, e.getKey())).contains(e.getValue());
              }
            }
          });
    }
  }
}
