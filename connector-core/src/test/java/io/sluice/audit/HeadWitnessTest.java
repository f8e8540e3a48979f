package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.audit.merkle.LeafHashes;
import io.sluice.audit.merkle.MerkleTree;
import io.sluice.audit.merkle.TreeHasher;
import io.sluice.audit.merkle.TreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.TestAuthority;
import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import io.sluice.testing.MutableClock;
import io.sluice.testing.Property;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The holder's side of consistency: a peer's heads are held once first seen or proven to extend the
 * held one, and a peer that rewrote and re-signed its log — or hands out a head that is not its own
 * — is caught, whatever its proof says. The peer here is hostile: a list of leaf hashes and its
 * signing key, from which the test forges what it likes.
 */
class HeadWitnessTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir static Path caDir;
  @RegisterExtension final TestDatabases.Store stores = TestDatabases.sqlite();

  static TestAuthority ca;
  static TestAuthority.Issued fund;
  static TestAuthority.Issued mallory;
  static TestAuthority.Issued foreignFund;

  final MutableClock clock = new MutableClock(T0);
  Database db;
  AuditLog log;
  HeadWitness witness;

  @BeforeAll
  static void authority() {
    ca = TestAuthority.create(caDir.resolve("ca"), "health");
    fund = ca.issue("fund", List.of("medical-insurance-fund"), Map.of());
    mallory = ca.issue("mallory", List.of("commercial-insurer"), Map.of());
    foreignFund =
        TestAuthority.create(caDir.resolve("other"), "health")
            .issue("fund", List.of("medical-insurance-fund"), Map.of());
  }

  @BeforeEach
  void open() {
    db = stores.open();
    log = AuditLog.open(db, AuditFixtures.otherSigner(), AuditLogConfig.defaults(), clock);
    witness = new HeadWitness(new PeerHeadStore(db), log, ca.trust(), "insurer-a", clock);
  }

  @AfterEach
  void close() {
    log.close();
  }

  /** A peer's log as the peer controls it: leaves, their tree, and its key. */
  static final class PeerLog {
    final List<byte[]> leaves = new ArrayList<>();
    final MerkleTree tree = new MerkleTree(LeafHashes.of(leaves));
    final TestAuthority.Issued key;

    PeerLog(TestAuthority.Issued key, Random random, int n) {
      this.key = key;
      grow(random, n);
    }

    void grow(Random random, int n) {
      for (int i = 0; i < n; i++) {
        byte[] entry = new byte[16];
        random.nextBytes(entry);
        leaves.add(new TreeHasher().hashLeaf(entry));
      }
    }

    SignedTreeHead head(long size) {
      return new TreeHeadSigner(key.key(), key.certificate())
          .sign(new TreeHead(size, tree.rootAt(size), T0.plusSeconds(size)));
    }

    HeadWitness.ProofSource proofs() {
      return tree::consistencyProof;
    }

    byte[] certificate() {
      try {
        return key.certificate().getEncoded();
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }

    /** The same log with leaf {@code index} changed, as a node rewriting its log makes it. */
    PeerLog rewritten(int index) {
      PeerLog copy = new PeerLog(key, new Random(0), 0);
      copy.leaves.addAll(leaves);
      copy.leaves.set(index, new TreeHasher().hashLeaf(new byte[] {'f', 'o', 'r', 'g', 'e', 'd'}));
      return copy;
    }
  }

  private HeadCheck observe(PeerLog peer, long size, String trace) {
    return witness.observe("fund", peer.head(size), peer.certificate(), peer.proofs(), trace);
  }

  private List<AuditEvent> events(EventType type) {
    log.flush().join();
    return log.store().entries(0, 10_000).stream()
        .map(AuditEntry::event)
        .filter(e -> e.type() == type)
        .toList();
  }

  @Test
  void holdsThePeerToItsFirstHeadThenToEachHeadProvenToExtendIt() {
    PeerLog peer = new PeerLog(fund, new Random(1), 40);
    HeadCheck first = observe(peer, 10, "trace-1");
    assertThat(first.verdict()).isEqualTo(HeadCheck.Verdict.FIRST);
    HeadCheck extended = observe(peer, 40, "");
    assertThat(extended.verdict()).isEqualTo(HeadCheck.Verdict.CONSISTENT);
    assertThat(extended.message()).contains("fund's signed head of size 40 extends").contains("10");
    assertThat(witness.heldSize("fund")).isEqualTo(40);
    // the same head, and an older one proven a prefix: consistent, and the held head stays
    assertThat(observe(peer, 40, "").verdict()).isEqualTo(HeadCheck.Verdict.CONSISTENT);
    assertThat(observe(peer, 25, "").verdict()).isEqualTo(HeadCheck.Verdict.CONSISTENT);
    assertThat(witness.heldSize("fund")).isEqualTo(40);

    List<AuditEvent> received = events(EventType.PEER_HEAD_RECEIVED);
    assertThat(received).hasSize(2);
    AuditEvent firstEvent = received.get(0);
    assertThat(firstEvent.traceId()).isEqualTo("trace-1");
    assertThat(firstEvent.counterparty()).isEqualTo("fund");
    assertThat(firstEvent.actor()).isEqualTo("insurer-a");
    assertThat(firstEvent.digest()).isEqualTo(peer.tree.rootAt(10));
    assertThat(firstEvent.details().get("treeSize").asLong()).isEqualTo(10);
    assertThat(received.get(1).details().get("previousSize").asLong()).isEqualTo(10);
    // the signed head is kept as evidence: it verifies from the entry alone
    SignedTreeHead evidence =
        new SignedTreeHead(
            new TreeHead(
                40,
                received.get(1).digest(),
                Instant.ofEpochMilli(received.get(1).details().get("headTime").asLong())),
            java.util.HexFormat.of().parseHex(received.get(1).details().get("signature").asText()),
            received.get(1).details().get("signer").asText());
    assertThat(evidence.verify(fund.certificate())).isTrue();
  }

  @Test
  void aPeerThatRewroteAndResignedItsLogIsCaughtAndStaysHeldToItsOldHead() {
    PeerLog peer = new PeerLog(fund, new Random(2), 50);
    observe(peer, 30, "");
    PeerLog forged = peer.rewritten(7);
    forged.grow(new Random(3), 20);
    HeadCheck check = observe(forged, 70, "trace-2");
    assertThat(check.verdict()).isEqualTo(HeadCheck.Verdict.INCONSISTENT);
    assertThat(check.problem()).isTrue();
    assertThat(check.message())
        .contains("fund rewrote its audit log")
        .contains("70")
        .contains("30");
    assertThat(check.heldSize()).isEqualTo(30);
    assertThat(check.newSize()).isEqualTo(70);
    assertThat(witness.heldSize("fund")).isEqualTo(30);
    AuditEvent event = events(EventType.PEER_LOG_INCONSISTENT).get(0);
    assertThat(event.traceId()).isEqualTo("trace-2");
    assertThat(event.details().get("heldSize").asLong()).isEqualTo(30);
    assertThat(event.details().get("newSize").asLong()).isEqualTo(70);
    // a smaller forged head that covers the rewritten entry is caught as well
    assertThat(observe(forged, 20, "").verdict()).isEqualTo(HeadCheck.Verdict.INCONSISTENT);
  }

  @Test
  void twoHeadsOfOneSizeWithDifferentRootsNeedNoProofToBeCaught() {
    PeerLog peer = new PeerLog(fund, new Random(4), 12);
    observe(peer, 12, "");
    PeerLog forged = peer.rewritten(3);
    HeadCheck check =
        witness.observe(
            "fund",
            forged.head(12),
            forged.certificate(),
            (a, b) -> {
              throw new AssertionError("no proof is needed");
            },
            "");
    assertThat(check.verdict()).isEqualTo(HeadCheck.Verdict.INCONSISTENT);
    assertThat(check.message()).contains("two different heads");
  }

  @Test
  void aForgedOrWithheldProofIsNeverTakenForConsistency() {
    PeerLog peer = new PeerLog(fund, new Random(5), 64);
    observe(peer, 20, "");
    HeadWitness.ProofSource flipped =
        (a, b) -> {
          List<byte[]> proof = new ArrayList<>(peer.tree.consistencyProof(a, b));
          byte[] first = proof.get(0).clone();
          first[0] ^= 1;
          proof.set(0, first);
          return proof;
        };
    assertThat(witness.observe("fund", peer.head(64), peer.certificate(), flipped, "").verdict())
        .isEqualTo(HeadCheck.Verdict.INCONSISTENT);
    assertThat(
            witness
                .observe("fund", peer.head(64), peer.certificate(), (a, b) -> List.of(), "")
                .verdict())
        .isEqualTo(HeadCheck.Verdict.INCONSISTENT);
    HeadCheck refused =
        witness.observe(
            "fund",
            peer.head(64),
            peer.certificate(),
            (a, b) -> {
              throw new SluiceException(ErrorCode.POLICY_DENIED, "fund refused");
            },
            "");
    assertThat(refused.verdict()).isEqualTo(HeadCheck.Verdict.UNPROVEN);
    assertThat(refused.message()).contains("fund refused").contains("20");
    assertThat(witness.heldSize("fund")).isEqualTo(20);
  }

  @Test
  void aProofForAnotherPairOfSizesLeavesTheHeadUncheckedNotAccused() {
    PeerLog peer = new PeerLog(fund, new Random(7), 30);
    observe(peer, 10, "");
    HeadCheck check =
        witness.observe(
            "fund",
            peer.head(30),
            peer.certificate(),
            (a, b) -> {
              throw new SluiceException(ErrorCode.CONFLICT, "the proof is for another head");
            },
            "");
    assertThat(check.verdict()).isEqualTo(HeadCheck.Verdict.NOT_CHECKED);
    assertThat(check.problem()).isFalse();
    assertThat(witness.heldSize("fund")).isEqualTo(10);
    assertThat(events(EventType.PEER_LOG_INCONSISTENT)).isEmpty();
  }

  @Test
  void aHeadThatIsNotThePeersIsInvalidAndNeverHeld() throws Exception {
    PeerLog peer = new PeerLog(fund, new Random(6), 8);
    PeerLog impostor = new PeerLog(mallory, new Random(6), 8);
    PeerLog foreign = new PeerLog(foreignFund, new Random(6), 8);
    assertInvalid(impostor.head(8), impostor.certificate(), "signed by mallory");
    assertInvalid(foreign.head(8), foreign.certificate(), "not acceptable");
    // the fund's certificate with mallory's signature
    assertInvalid(impostor.head(8), peer.certificate(), "signature does not verify");
    byte[] bad = peer.head(8).signature();
    bad[bad.length - 1] ^= 1;
    assertInvalid(
        new SignedTreeHead(peer.head(8).head(), bad, peer.head(8).signerFingerprint()),
        peer.certificate(),
        "signature does not verify");
    assertInvalid(
        new TreeHeadSigner(fund.key(), fund.certificate())
            .sign(new TreeHead(0, TreeHasher.emptyRoot(), T0)),
        peer.certificate(),
        "empty head");
    assertInvalid(peer.head(8), new byte[] {0x30, 0x03, 1, 2, 3}, "cannot be read");
    assertThat(witness.heldSize("fund")).isZero();
    assertThat(events(EventType.PEER_HEAD_RECEIVED)).isEmpty();
  }

  private void assertInvalid(SignedTreeHead head, byte[] certificate, String why) {
    HeadCheck check = witness.observe("fund", head, certificate, (a, b) -> List.of(), "");
    assertThat(check.verdict()).isEqualTo(HeadCheck.Verdict.INVALID);
    assertThat(check.message()).contains(why);
  }

  /**
   * For random logs and heads seen in any order, honest proofs never raise a problem and the held
   * head is the largest seen; after any leaf of the held tree is rewritten, every head the peer
   * signs from then on is caught, larger or smaller than the held one: its proof has to be made
   * from the rewritten leaves.
   */
  @Test
  void honestHeadsAlwaysPassAndAnyHeadAfterARewriteIsCaught() {
    Property.forAll(
        60,
        gen -> {
          String peerId = "fund";
          int n = gen.between(2, 300);
          PeerLog peer = new PeerLog(fund, gen.random(), n);
          // every try holds the peer from a store of its own
          Path file = caDir.resolve("try-" + tries.incrementAndGet() + ".db");
          try (Database store = Database.open("jdbc:sqlite:" + file);
              AuditLog holderLog =
                  AuditLog.open(
                      store, AuditFixtures.otherSigner(), AuditLogConfig.defaults(), clock)) {
            checkTry(
                gen,
                peerId,
                n,
                peer,
                new HeadWitness(
                    new PeerHeadStore(store), holderLog, ca.trust(), "insurer-a", clock));
          }
        });
  }

  private final java.util.concurrent.atomic.AtomicInteger tries =
      new java.util.concurrent.atomic.AtomicInteger();

  private static void checkTry(
      Property.Gen gen, String peerId, int n, PeerLog peer, HeadWitness fresh) {
    long largest = 0;
    int heads = gen.between(1, 6);
    for (int h = 0; h < heads; h++) {
      long size = gen.between(1, n);
      HeadCheck c = fresh.observe(peerId, peer.head(size), peer.certificate(), peer.proofs(), "");
      assertThat(c.problem()).as(c.message()).isFalse();
      largest = Math.max(largest, size);
    }
    assertThat(fresh.heldSize(peerId)).isEqualTo(largest);
    int index = gen.between(0, (int) largest - 1);
    PeerLog forged = peer.rewritten(index);
    long size = gen.between(1, n);
    HeadCheck c =
        fresh.observe(peerId, forged.head(size), forged.certificate(), forged.proofs(), "");
    assertThat(c.verdict())
        .as("rewrote leaf %d of %d, held %d, new head %d", index, n, largest, size)
        .isEqualTo(HeadCheck.Verdict.INCONSISTENT);
  }
}
