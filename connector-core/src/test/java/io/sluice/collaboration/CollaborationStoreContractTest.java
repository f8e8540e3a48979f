package io.sluice.collaboration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.sluice.collaboration.CollaborationStore.Changes;
import io.sluice.collaboration.CollaborationStore.Delivery;
import io.sluice.collaboration.CollaborationStore.Processed;
import io.sluice.collaboration.CollaborationTransitions.Kind;
import io.sluice.collaboration.CollaborationTransitions.Slot;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.negotiation.Outgoing;
import io.sluice.proto.v1.MemberSignature;
import io.sluice.proto.v1.SignedCollaboration;
import io.sluice.store.Database;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One contract for every {@link CollaborationStore}; subclasses run it on SQLite and PostgreSQL.
 */
abstract class CollaborationStoreContractTest {
  abstract Database open();

  static StoredCollaboration fresh(String id, CollaborationState state, long expiresMs) {
    byte[] signed =
        SignedCollaboration.newBuilder()
            .setFormat(CollaborationSignatures.FORMAT)
            .setCollaboration(ByteString.copyFromUtf8("doc-" + id))
            .build()
            .toByteArray();
    return new StoredCollaboration(
        id,
        CollaborationRole.PROPOSER,
        "association",
        state,
        signed,
        List.of("first"),
        "trace",
        expiresMs,
        1000,
        1000,
        0);
  }

  static Delivery delivery(String id, String member, Kind kind, long next) {
    return new Delivery(
        id, member, kind, new Outgoing(new byte[] {1, (byte) member.hashCode()}, 0, 1000, next));
  }

  static MemberSignature signature(String member) {
    return MemberSignature.newBuilder()
        .setMember(member)
        .setSignature(ByteString.copyFromUtf8("sig-" + member))
        .setCertificate(ByteString.copyFromUtf8("cert-" + member))
        .build();
  }

  @Test
  void savesAndFindsACollaborationWithOptimisticVersions() {
    try (Database db = open()) {
      CollaborationStore store = new JdbcCollaborationStore(db);
      StoredCollaboration saved =
          store.save(fresh("c1", CollaborationState.SIGNING, 9000), Changes.NONE);
      assertThat(saved.version()).isEqualTo(1);
      assertThat(store.find("c1")).contains(saved);
      StoredCollaboration moved =
          store.save(
              saved.moveTo(CollaborationState.IN_FORCE, 2000, List.of("second")), Changes.NONE);
      assertThat(moved.version()).isEqualTo(2);
      assertThat(store.find("c1").orElseThrow().reasons()).containsExactly("first", "second");
      assertThat(store.find("c1").orElseThrow().state()).isEqualTo(CollaborationState.IN_FORCE);
      assertThatThrownBy(
              () ->
                  store.save(
                      saved.moveTo(CollaborationState.REFUSED, 3000, List.of()), Changes.NONE))
          .extracting(e -> ((SluiceException) e).code())
          .isEqualTo(ErrorCode.CONFLICT);
      assertThatThrownBy(
              () -> store.save(fresh("c1", CollaborationState.SIGNING, 9000), Changes.NONE))
          .extracting(e -> ((SluiceException) e).code())
          .isEqualTo(ErrorCode.CONFLICT);
      assertThat(store.find("c1").orElseThrow().state()).isEqualTo(CollaborationState.IN_FORCE);
      assertThat(store.list()).extracting(StoredCollaboration::id).containsExactly("c1");
    }
  }

  @Test
  void theOutboxHoldsOneMessagePerMemberAndDeliveriesAreRemovedOnlyIfUnchanged() {
    try (Database db = open()) {
      CollaborationStore store = new JdbcCollaborationStore(db);
      Delivery a = delivery("c1", "oem-a", Kind.PROPOSAL, 1000);
      Delivery b = delivery("c1", "oem-b", Kind.PROPOSAL, 5000);
      StoredCollaboration s =
          store.save(
              fresh("c1", CollaborationState.SIGNING, 9000),
              new Changes(false, List.of(a, b), List.of(), null, signature("association")));
      assertThat(store.outbox("c1")).extracting(Delivery::member).containsExactly("oem-a", "oem-b");
      assertThat(store.due(2000)).extracting(Delivery::member).containsExactly("oem-a");
      assertThat(store.due(5000)).extracting(Delivery::member).containsExactly("oem-a", "oem-b");

      store.deliveryFailed(
          new Delivery("c1", "oem-a", Kind.PROPOSAL, a.outgoing().failedAgain(7000)));
      Delivery retried = store.outbox("c1").get(0);
      assertThat(retried.outgoing().attempts()).isEqualTo(1);
      assertThat(retried.outgoing().nextAttemptMs()).isEqualTo(7000);
      assertThat(retried.outgoing().sinceMs()).isEqualTo(1000);

      // a newer message for oem-b replaces the queued one; removing the old one then does nothing
      Delivery newer = new Delivery("c1", "oem-b", Kind.FINAL, Outgoing.now(new byte[] {9}, 3000));
      s = store.save(s, new Changes(false, List.of(newer), List.of(b), null, null));
      assertThat(store.outbox("c1"))
          .extracting(Delivery::kind)
          .containsExactly(Kind.PROPOSAL, Kind.FINAL);
      s = store.save(s, new Changes(false, List.of(), List.of(b), null, null));
      assertThat(store.outbox("c1")).hasSize(2);
      s = store.save(s, new Changes(false, List.of(), List.of(newer), null, null));
      assertThat(store.outbox("c1")).extracting(Delivery::member).containsExactly("oem-a");
      store.save(s, new Changes(true, List.of(), List.of(), null, null));
      assertThat(store.outbox("c1")).isEmpty();
      assertThat(store.signatures("c1")).containsExactly(signature("association"));
    }
  }

  @Test
  void processedMessagesAreKeptBySenderAndSlotWithTheirReply() {
    try (Database db = open()) {
      CollaborationStore store = new JdbcCollaborationStore(db);
      StoredCollaboration s =
          store.save(
              fresh("c1", CollaborationState.SIGNING, 9000),
              Changes.NONE.withProcessed(
                  new Processed("oem-a", Slot.PROPOSAL, "d7", new byte[] {7})));
      Processed stored = store.processed("c1", "oem-a", Slot.PROPOSAL).orElseThrow();
      assertThat(stored.reply()).containsExactly(7);
      assertThat(stored.messageSha256()).isEqualTo("d7");
      assertThat(store.processed("c1", "oem-a", Slot.ANSWER)).isEmpty();
      assertThat(store.processed("c1", "oem-b", Slot.PROPOSAL)).isEmpty();
      StoredCollaboration current = s;
      assertThatThrownBy(
              () ->
                  store.save(
                      current,
                      Changes.NONE.withProcessed(
                          new Processed("oem-a", Slot.PROPOSAL, "d8", new byte[] {8}))))
          .isInstanceOf(SluiceException.class);
      // the failed save changed nothing: not the version, not the reply
      assertThat(store.find("c1").orElseThrow().version()).isEqualTo(1);
      assertThat(store.processed("c1", "oem-a", Slot.PROPOSAL).orElseThrow().reply())
          .containsExactly(7);
    }
  }

  @Test
  void expiringListsWhatIsNotFinalAndPastItsExpiry() {
    try (Database db = open()) {
      CollaborationStore store = new JdbcCollaborationStore(db);
      store.save(fresh("soon", CollaborationState.SIGNING, 2000), Changes.NONE);
      store.save(fresh("later", CollaborationState.IN_FORCE, 8000), Changes.NONE);
      store.save(fresh("done", CollaborationState.REFUSED, 1000), Changes.NONE);
      assertThat(store.expiring(1500)).isEmpty();
      assertThat(store.expiring(2000)).extracting(StoredCollaboration::id).containsExactly("soon");
      assertThat(store.expiring(9000))
          .extracting(StoredCollaboration::id)
          .containsExactly("soon", "later");
    }
  }

  @Test
  void usesAreCountedExactlyUpToTheLimitUnderConcurrency() throws Exception {
    try (Database db = open()) {
      CollaborationStore store = new JdbcCollaborationStore(db);
      store.save(fresh("c1", CollaborationState.IN_FORCE, 9000), Changes.NONE);
      // The runtime's ledger counts a collaboration's uses, in its row, once per session.
      io.sluice.compute.runtime.UseLedger uses =
          new io.sluice.compute.runtime.JdbcUseLedger(
              db,
              io.sluice.compute.runtime.JdbcUseLedger.Counter.COLLABORATIONS,
              java.time.Clock.systemUTC());
      java.util.concurrent.atomic.AtomicInteger next =
          new java.util.concurrent.atomic.AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      ConcurrentLinkedQueue<Long> counts = new ConcurrentLinkedQueue<>();
      CountDownLatch start = new CountDownLatch(1);
      try {
        for (int i = 0; i < 12; i++) {
          pool.submit(
              () -> {
                start.await();
                try {
                  counts.add(uses.reserve("c1", "s" + next.incrementAndGet(), 5).useNumber());
                } catch (io.sluice.error.SluiceException e) {
                  assertThat(e.code()).isEqualTo(io.sluice.error.ErrorCode.USE_COUNT_EXHAUSTED);
                  counts.add(-1L);
                }
                return null;
              });
        }
        start.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        pool.shutdownNow();
      }
      assertThat(counts.stream().filter(c -> c > 0).sorted().toList())
          .containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(counts.stream().filter(c -> c < 0).count()).isEqualTo(7);
      assertThat(store.useCount("c1")).isEqualTo(5);
    }
  }
}
