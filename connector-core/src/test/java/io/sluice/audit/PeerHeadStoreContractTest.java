package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.audit.merkle.TreeHasher;
import io.sluice.audit.merkle.TreeHead;
import io.sluice.store.Database;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** One contract for the peer-head tables on SQLite and PostgreSQL. */
abstract class PeerHeadStoreContractTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  abstract Database open();

  private static PeerHeadStore.Held held(long size, int seed) {
    byte[] root = new TreeHasher().hashLeaf(new byte[] {(byte) seed});
    SignedTreeHead head =
        AuditFixtures.nodeSigner().sign(new TreeHead(size, root, T0.plusSeconds(size)));
    return new PeerHeadStore.Held(head, new byte[] {1, 2, (byte) seed}, T0.plusMillis(seed));
  }

  @Test
  void holdsOneHeadPerPeerAcrossARestartTheLatestReplacingTheOneBefore() {
    PeerHeadStore.Held latest = held(25, 2); // ECDSA signatures differ each time: sign once
    PeerHeadStore.Held oem = held(3, 3);
    try (Database db = open()) {
      PeerHeadStore store = new PeerHeadStore(db);
      assertThat(store.held("fund")).isEmpty();
      store.hold("fund", held(10, 1));
      store.hold("fund", latest);
      store.hold("oem", oem);
    }
    try (Database db = open()) {
      PeerHeadStore store = new PeerHeadStore(db);
      assertThat(store.held("fund")).contains(latest);
      assertThat(store.held("oem")).contains(oem);
      assertThat(store.held("insurer-b")).isEmpty();
    }
  }

  @Test
  void recordsWhichHeadsWentToWhomOnceEach() {
    try (Database db = open()) {
      PeerHeadStore store = new PeerHeadStore(db);
      store.issued("insurer-a", 10, T0);
      store.issued("insurer-a", 10, T0.plusSeconds(5)); // again: no error, no second row
      store.issued("insurer-b", 20, T0);
    }
    try (Database db = open()) {
      PeerHeadStore store = new PeerHeadStore(db);
      assertThat(store.wasIssued("insurer-a", 10)).isTrue();
      assertThat(store.wasIssued("insurer-a", 20)).isFalse();
      assertThat(store.wasIssued("insurer-b", 20)).isTrue();
      assertThat(store.wasIssued("insurer-b", 10)).isFalse();
    }
  }
}
