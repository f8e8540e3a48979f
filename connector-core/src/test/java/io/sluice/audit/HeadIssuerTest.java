package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.merkle.MerkleVerifier;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import io.sluice.testing.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Heads for counterparties: only ever one the log signed on its schedule (asking never makes it
 * sign), and consistency proofs only between heads handed to the one who asks.
 */
class HeadIssuerTest {
  @RegisterExtension final TestDatabases.Store stores = TestDatabases.sqlite();
  final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  Database db;
  AuditLog log;
  HeadIssuer issuer;

  @BeforeEach
  void open() {
    db = stores.open();
    log = AuditLog.open(db, AuditFixtures.nodeSigner(), AuditLogConfig.defaults(), clock);
    issuer = new HeadIssuer(new PeerHeadStore(db), log, clock);
  }

  @AfterEach
  void close() {
    log.close();
  }

  private void append(int n) {
    for (int i = 0; i < n; i++) {
      log.append(
          AuditEvent.builder(EventType.CONFIG_CHANGED).time(clock.instant()).actor("fund").build());
    }
    log.flush().join();
  }

  @Test
  void askingNeverMakesTheLogSignAndOnlyScheduledHeadsAreHandedOut() {
    append(5);
    assertThat(issuer.issue("insurer-a")).as("no head signed yet").isEmpty();
    log.signHead().join(); // the schedule (here: on request of the node itself)
    append(3);
    for (int i = 0; i < 10; i++) {
      assertThat(issuer.issue("insurer-a").orElseThrow().head().size()).isEqualTo(5);
    }
    assertThat(log.store().heads()).hasSize(1);
  }

  @Test
  void provesConsistencyOnlyBetweenHeadsHandedToTheOneWhoAsks() {
    append(5);
    log.signHead().join();
    long first = issuer.issue("insurer-a").orElseThrow().head().size();
    append(7);
    log.signHead().join();
    SignedTreeHead second = issuer.issue("insurer-a").orElseThrow();
    SignedTreeHead older = log.store().head(first).orElseThrow();
    assertThat(
            MerkleVerifier.verifyConsistency(
                older.head(),
                second.head(),
                issuer.prove("insurer-a", first, second.head().size())))
        .isTrue();
    assertThat(issuer.prove("insurer-a", first, first)).isEmpty();
    assertThat(issuer.issued("insurer-a", first)).isEqualTo(older);
    // another participant was handed neither head; sizes that are no head at all are refused too
    assertDenied(() -> issuer.prove("insurer-b", first, second.head().size()));
    assertDenied(() -> issuer.issued("insurer-b", first));
    assertDenied(() -> issuer.prove("insurer-a", first, 7));
    assertThatThrownBy(() -> issuer.prove("insurer-a", 0, first))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  private static void assertDenied(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.POLICY_DENIED));
  }
}
