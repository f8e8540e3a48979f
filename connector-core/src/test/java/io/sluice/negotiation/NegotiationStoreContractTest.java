package io.sluice.negotiation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.compute.runtime.JdbcUseLedger;
import io.sluice.compute.runtime.UseLedger;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One contract for every {@link NegotiationStore}; subclasses run it on SQLite and PostgreSQL. */
abstract class NegotiationStoreContractTest {
  abstract Database open();

  static Negotiation fresh(String id, Role role, String peer, String peerPid) {
    return new Negotiation(
        id,
        role,
        peer,
        peerPid,
        "ds",
        "offer",
        NegotiationState.REQUESTED,
        "purpose",
        "{\"a\":1}",
        "",
        "",
        "",
        List.of("first"),
        new Outgoing(new byte[] {1, 2, 3}, 0, 1000, 1000),
        "trace",
        1000,
        1000,
        0);
  }

  @Test
  void savesAndFindsANegotiationWithOptimisticVersions() {
    try (Database db = open()) {
      NegotiationStore store = new JdbcNegotiationStore(db);
      Negotiation saved = store.save(fresh("n1", Role.CONSUMER, "fund", ""), null, null);
      assertThat(saved.version()).isEqualTo(1);
      Negotiation read = store.find("n1").orElseThrow();
      assertThat(read).isEqualTo(saved);
      assertThat(read.reasons()).containsExactly("first");
      assertThat(read.pending()).containsExactly(1, 2, 3);
      assertThat(store.pending()).extracting(Negotiation::id).containsExactly("n1");

      Negotiation moved =
          store.save(
              read.withNothingToSend().moveTo(NegotiationState.AGREED, 2000, List.of("second")),
              null,
              null);
      assertThat(moved.version()).isEqualTo(2);
      assertThat(store.find("n1").orElseThrow().state()).isEqualTo(NegotiationState.AGREED);
      assertThat(store.find("n1").orElseThrow().reasons()).containsExactly("first", "second");
      assertThat(store.pending()).isEmpty();

      // a writer holding the old version loses
      assertThatThrownBy(
              () ->
                  store.save(read.moveTo(NegotiationState.TERMINATED, 3000, List.of()), null, null))
          .isInstanceOf(SluiceException.class)
          .extracting(e -> ((SluiceException) e).code())
          .isEqualTo(ErrorCode.CONFLICT);
      assertThat(store.find("n1").orElseThrow().state()).isEqualTo(NegotiationState.AGREED);
    }
  }

  @Test
  void providerFindsNegotiationByTheConsumersIdAndRefusesADuplicate() {
    try (Database db = open()) {
      NegotiationStore store = new JdbcNegotiationStore(db);
      store.save(fresh("p1", Role.PROVIDER, "insurer", "c-1"), null, null);
      assertThat(store.findByPeer(Role.PROVIDER, "insurer", "c-1"))
          .map(Negotiation::id)
          .contains("p1");
      assertThat(store.findByPeer(Role.PROVIDER, "other", "c-1")).isEmpty();
      assertThatThrownBy(() -> store.save(fresh("p2", Role.PROVIDER, "insurer", "c-1"), null, null))
          .isInstanceOf(RuntimeException.class);
      assertThat(store.list()).extracting(Negotiation::id).containsExactly("p1");
    }
  }

  @Test
  void processedMessageAndAgreementCommitWithTheStateOrNotAtAll() {
    try (Database db = open()) {
      NegotiationStore store = new JdbcNegotiationStore(db);
      Negotiation n = store.save(fresh("p1", Role.PROVIDER, "insurer", "c-1"), null, null);
      var agreement =
          new NegotiationStore.StoredAgreement(
              "a1",
              "p1",
              Role.PROVIDER,
              "fund",
              "insurer",
              "ds",
              new byte[] {9},
              1,
              2,
              false,
              null,
              0);
      store.save(
          n.moveTo(NegotiationState.AGREED, 5, List.of()),
          new NegotiationStore.Processed("insurer", "m1", new byte[] {7}),
          agreement);
      assertThat(store.processedReply("insurer", "m1"))
          .hasValueSatisfying(r -> assertThat(r).containsExactly(7));
      assertThat(store.agreement("a1")).isPresent();

      // a conflicting save must not leave its message or agreement behind
      var other =
          new NegotiationStore.StoredAgreement(
              "a2",
              "p1",
              Role.PROVIDER,
              "fund",
              "insurer",
              "ds",
              new byte[] {8},
              1,
              2,
              false,
              null,
              0);
      assertThatThrownBy(
              () ->
                  store.save(
                      n.moveTo(NegotiationState.TERMINATED, 6, List.of()),
                      new NegotiationStore.Processed("insurer", "m2", new byte[] {1}),
                      other))
          .isInstanceOf(SluiceException.class);
      assertThat(store.processedReply("insurer", "m2")).isEmpty();
      assertThat(store.agreement("a2")).isEmpty();
    }
  }

  @Test
  void agreementsFinalizeTerminateAndCountUsesAtomically() {
    try (Database db = open()) {
      NegotiationStore store = new JdbcNegotiationStore(db);
      Negotiation n = store.save(fresh("c1", Role.CONSUMER, "fund", "p-1"), null, null);
      var a =
          new NegotiationStore.StoredAgreement(
              "a1",
              "c1",
              Role.CONSUMER,
              "fund",
              "me",
              "ds",
              new byte[] {1},
              10,
              Long.MAX_VALUE,
              false,
              null,
              0);
      n = store.save(n, null, a);
      store.save(
          n,
          null,
          new NegotiationStore.StoredAgreement(
              "a1",
              "c1",
              Role.CONSUMER,
              "fund",
              "me",
              "ds",
              new byte[] {1, 2},
              10,
              Long.MAX_VALUE, // valid: its uses are counted below
              true,
              null,
              0));
      var stored = store.agreement("a1").orElseThrow();
      assertThat(stored.finalized()).isTrue();
      assertThat(stored.signedAgreement()).containsExactly(1, 2);

      // The agreement's use count is kept in its row by the runtime's ledger, once per session.
      UseLedger uses = new JdbcUseLedger(db, JdbcUseLedger.Counter.AGREEMENTS, Clock.systemUTC());
      assertThat(uses.reserve("a1", "s1", 2).useNumber()).isEqualTo(1);
      assertThat(uses.reserve("a1", "s2", 2).useNumber()).isEqualTo(2);
      assertThatThrownBy(() -> uses.reserve("a1", "s3", 2))
          .isInstanceOfSatisfying(
              SluiceException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.USE_COUNT_EXHAUSTED));
      assertThat(uses.reserve("a1", "s3", -1).useNumber()).isEqualTo(3);
      assertThatThrownBy(() -> uses.reserve("missing", "s1", -1))
          .isInstanceOfSatisfying(
              SluiceException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.AGREEMENT_NOT_USABLE));
      assertThat(store.agreement("a1").orElseThrow().useCount()).isEqualTo(3);

      assertThat(store.terminateAgreement("a1", "no longer needed")).isTrue();
      assertThat(store.terminateAgreement("a1", "again")).isFalse();
      assertThat(store.agreement("a1").orElseThrow().terminatedReason())
          .isEqualTo("no longer needed");
      assertThat(store.agreements()).hasSize(1);
    }
  }

  @Test
  void concurrentUseCountingNeverExceedsTheLimit() throws Exception {
    try (Database db = open()) {
      NegotiationStore store = new JdbcNegotiationStore(db);
      Negotiation n = store.save(fresh("c1", Role.CONSUMER, "fund", "p-1"), null, null);
      store.save(
          n,
          null,
          new NegotiationStore.StoredAgreement(
              "a1",
              "c1",
              Role.CONSUMER,
              "fund",
              "me",
              "ds",
              new byte[] {1},
              10,
              Long.MAX_VALUE, // valid: its uses are counted below
              true,
              null,
              0));
      var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        UseLedger uses = new JdbcUseLedger(db, JdbcUseLedger.Counter.AGREEMENTS, Clock.systemUTC());
        var futures = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
        for (int i = 0; i < 40; i++) {
          String session = "s" + i;
          futures.add(
              pool.submit(
                  () -> {
                    try {
                      return uses.reserve("a1", session, 25).useNumber() > 0;
                    } catch (SluiceException e) {
                      assertThat(e.code()).isEqualTo(ErrorCode.USE_COUNT_EXHAUSTED);
                      return false;
                    }
                  }));
        }
        long granted = 0;
        for (var f : futures) {
          if (f.get()) {
            granted++;
          }
        }
        assertThat(granted).isEqualTo(25);
        assertThat(store.agreement("a1").orElseThrow().useCount()).isEqualTo(25);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void dueMessagesAreThoseWhoseNextAttemptHasComeInThatOrder() {
    try (Database db = open()) {
      NegotiationStore store = new JdbcNegotiationStore(db);
      Negotiation a = store.save(fresh("a", Role.CONSUMER, "fund", ""), null, null);
      Negotiation b = store.save(fresh("b", Role.CONSUMER, "fund", ""), null, null);
      store.save(fresh("c", Role.CONSUMER, "fund", "").withNothingToSend(), null, null);
      store.save(a.withOutgoing(a.outgoing().failedAgain(5000)), null, null);
      store.save(b.withOutgoing(b.outgoing().failedAgain(3000)), null, null);

      assertThat(store.due(2999)).isEmpty();
      assertThat(store.due(3000)).extracting(Negotiation::id).containsExactly("b");
      assertThat(store.due(9000)).extracting(Negotiation::id).containsExactly("b", "a");
      Negotiation stored = store.find("a").orElseThrow();
      assertThat(stored.outgoing()).isEqualTo(new Outgoing(new byte[] {1, 2, 3}, 1, 1000, 5000));
      assertThat(store.pending()).extracting(Negotiation::id).containsExactlyInAnyOrder("a", "b");
    }
  }

  @Test
  void idleFindsNegotiationsOfOneRoleAndStateUnchangedSinceBefore() {
    try (Database db = open()) {
      NegotiationStore store = new JdbcNegotiationStore(db);
      Negotiation p = store.save(fresh("p1", Role.PROVIDER, "insurer", "c-1"), null, null);
      store.save(p.moveTo(NegotiationState.AGREED, 2000, List.of()), null, null);
      Negotiation q = store.save(fresh("p2", Role.PROVIDER, "insurer", "c-2"), null, null);
      store.save(q.moveTo(NegotiationState.AGREED, 4000, List.of()), null, null);
      Negotiation c = store.save(fresh("c1", Role.CONSUMER, "fund", ""), null, null);
      store.save(c.moveTo(NegotiationState.AGREED, 1000, List.of()), null, null);

      assertThat(store.idle(Role.PROVIDER, NegotiationState.AGREED, 2000)).isEmpty();
      assertThat(store.idle(Role.PROVIDER, NegotiationState.AGREED, 3000))
          .extracting(Negotiation::id)
          .containsExactly("p1");
      assertThat(store.idle(Role.PROVIDER, NegotiationState.AGREED, 5000))
          .extracting(Negotiation::id)
          .containsExactly("p1", "p2");
      assertThat(store.idle(Role.PROVIDER, NegotiationState.OFFERED, 5000)).isEmpty();
    }
  }

  @Test
  void aClientRequestIdStartsOneNegotiationOnly() {
    try (Database db = open()) {
      NegotiationStore store = new JdbcNegotiationStore(db);
      var request = new NegotiationStore.ClientRequest("req-1", "n1", "digest-1", 1000);
      assertThat(store.create(fresh("n1", Role.CONSUMER, "fund", ""), request)).isPresent();
      var again = new NegotiationStore.ClientRequest("req-1", "n2", "digest-1", 1001);
      assertThat(store.create(fresh("n2", Role.CONSUMER, "fund", ""), again)).isEmpty();
      // the loser wrote nothing, not even its negotiation
      assertThat(store.find("n2")).isEmpty();
      assertThat(store.clientRequest("req-1")).contains(request);
      assertThat(store.clientRequestOf("n1")).contains(request);
      assertThat(store.clientRequest("req-2")).isEmpty();
      assertThat(store.clientRequestOf("n2")).isEmpty();
    }
  }

  @Test
  void concurrentCreatesWithOneRequestIdLeaveOneNegotiation() throws Exception {
    try (Database db = open()) {
      NegotiationStore store = new JdbcNegotiationStore(db);
      var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        var futures = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
        for (int i = 0; i < 12; i++) {
          String id = "n" + i;
          futures.add(
              pool.submit(
                  () ->
                      store
                          .create(
                              fresh(id, Role.CONSUMER, "fund", ""),
                              new NegotiationStore.ClientRequest("same", id, "d", 1))
                          .isPresent()));
        }
        int created = 0;
        for (var f : futures) {
          created += f.get() ? 1 : 0;
        }
        assertThat(created).isEqualTo(1);
        assertThat(store.list()).hasSize(1);
        assertThat(store.clientRequest("same").orElseThrow().negotiationId())
            .isEqualTo(store.list().get(0).id());
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aNegotiationSavedAsTerminatedTerminatesItsAgreement() {
    try (Database db = open()) {
      NegotiationStore store = new JdbcNegotiationStore(db);
      Negotiation n = store.save(fresh("p1", Role.PROVIDER, "insurer", "c-1"), null, null);
      n =
          store.save(
              n.withAgreement("a1").moveTo(NegotiationState.AGREED, 5, List.of()),
              null,
              new NegotiationStore.StoredAgreement(
                  "a1",
                  "p1",
                  Role.PROVIDER,
                  "fund",
                  "insurer",
                  "ds",
                  new byte[] {9},
                  1,
                  2,
                  false,
                  null,
                  0));
      assertThat(store.agreement("a1").orElseThrow().terminated()).isFalse();
      store.save(
          n.moveTo(NegotiationState.TERMINATED, 6, List.of("insurer did not answer")), null, null);
      assertThat(store.agreement("a1").orElseThrow().terminatedReason())
          .isEqualTo("insurer did not answer");
    }
  }
}
