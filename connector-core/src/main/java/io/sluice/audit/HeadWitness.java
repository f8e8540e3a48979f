package io.sluice.audit;

import io.sluice.audit.merkle.MerkleVerifier;
import io.sluice.audit.merkle.TreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.PeerIdentity;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds other nodes to the signed tree heads of their audit logs: keeps the latest head it received
 * from each peer, and checks every later one against it with an RFC 9162 consistency proof. A node
 * that rewrote and re-signed its log cannot prove that its new head extends the one it signed
 * before, so its peer catches it without looking at a single entry.
 *
 * <p>Each head it comes to hold is recorded in this node's own log ({@code PEER_HEAD_RECEIVED}),
 * each contradiction too ({@code PEER_LOG_INCONSISTENT}, with the new signed head as evidence); a
 * contradicted head never replaces the one held. Checks of one peer are serialized.
 */
public final class HeadWitness {
  private static final Logger LOG = LoggerFactory.getLogger(HeadWitness.class);
  private static final long AUDIT_WAIT_SECONDS = 30;

  /**
   * The most hashes a consistency proof between two trees of fewer than 2^63 leaves can have; a
   * peer's longer proof is refused before it is looked at.
   */
  public static final int MAX_PROOF_HASHES = 128;

  /** Where the consistency proof comes from: the peer, asked for the pair of sizes. */
  @FunctionalInterface
  public interface ProofSource {
    /**
     * The peer's consistency proof from its tree of {@code size1} to that of {@code size2}.
     *
     * @throws SluiceException when the peer gives none; with CONFLICT when the proof at hand is for
     *     another pair of sizes (the head stays unchecked, which is not a problem)
     */
    List<byte[]> consistency(long size1, long size2);
  }

  private final PeerHeadStore store;
  private final AuditLog log;
  private final AuthorityTrust trust;
  private final String self;
  private final Clock clock;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public HeadWitness(
      PeerHeadStore store, AuditLog log, AuthorityTrust trust, String self, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.log = Objects.requireNonNull(log, "log");
    this.trust = Objects.requireNonNull(trust, "trust");
    this.self = Objects.requireNonNull(self, "self");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The participant that holds the others to their heads: this node. */
  public String holder() {
    return self;
  }

  /** The size of the head {@code peer} is held to (0: none). */
  public long heldSize(String peer) {
    return store.held(peer).map(h -> h.head().head().size()).orElse(0L);
  }

  /**
   * Checks a signed head that {@code peer} handed out against the one this node holds it to, and
   * holds it to the new one when it is the first or proven to extend the held one.
   *
   * @param certificate the DER certificate that signed the head, as the peer sent it
   * @param traceId the computation the head came with ("" when none), for the audit entries
   * @throws SluiceException AUDIT_APPEND_FAILED if the check cannot be recorded
   */
  public HeadCheck observe(
      String peer, SignedTreeHead head, byte[] certificate, ProofSource proofs, String traceId) {
    Optional<String> invalid = invalid(peer, head, certificate);
    if (invalid.isPresent()) {
      return new HeadCheck(
          HeadCheck.Verdict.INVALID,
          peer,
          self,
          heldSize(peer),
          head.head().size(),
          "the head of size " + head.head().size() + " is not " + peer + "'s: " + invalid.get());
    }
    synchronized (locks.computeIfAbsent(peer, p -> new Object())) {
      Optional<PeerHeadStore.Held> held = store.held(peer);
      if (held.isEmpty()) {
        hold(peer, head, certificate, 0, traceId);
        return new HeadCheck(
            HeadCheck.Verdict.FIRST,
            peer,
            self,
            0,
            head.head().size(),
            self + " now holds " + peer + " to its signed head of size " + head.head().size());
      }
      return compare(peer, held.get(), head, certificate, proofs, traceId);
    }
  }

  private HeadCheck compare(
      String peer,
      PeerHeadStore.Held held,
      SignedTreeHead head,
      byte[] certificate,
      ProofSource proofs,
      String traceId) {
    TreeHead old = held.head().head();
    TreeHead now = head.head();
    if (now.size() == old.size()) {
      return java.util.Arrays.equals(now.rootHash(), old.rootHash())
          ? check(HeadCheck.Verdict.CONSISTENT, peer, old, now, "is the head " + self + " holds")
          : inconsistent(peer, old, head, "it signed two different heads of that size", traceId);
    }
    TreeHead smaller = now.size() < old.size() ? now : old;
    TreeHead larger = now.size() < old.size() ? old : now;
    List<byte[]> proof;
    try {
      proof = proofs.consistency(smaller.size(), larger.size());
    } catch (SluiceException e) {
      return check(
          e.code() == ErrorCode.CONFLICT
              ? HeadCheck.Verdict.NOT_CHECKED
              : HeadCheck.Verdict.UNPROVEN,
          peer,
          old,
          now,
          "came without a proof that it is consistent with the head of size "
              + old.size()
              + " that "
              + self
              + " holds ("
              + e.getMessage()
              + ")");
    }
    if (!MerkleVerifier.verifyConsistency(smaller, larger, proof)) {
      return inconsistent(
          peer, old, head, "its consistency proof between them does not verify", traceId);
    }
    if (now.size() < old.size()) {
      return check(
          HeadCheck.Verdict.CONSISTENT,
          peer,
          old,
          now,
          "is a prefix of the head of size " + old.size() + " that " + self + " holds");
    }
    hold(peer, head, certificate, old.size(), traceId);
    return check(
        HeadCheck.Verdict.CONSISTENT,
        peer,
        old,
        now,
        "extends the head of size " + old.size() + " that " + self + " held; it is held now");
  }

  private HeadCheck check(
      HeadCheck.Verdict verdict, String peer, TreeHead held, TreeHead now, String what) {
    return new HeadCheck(
        verdict,
        peer,
        self,
        held.size(),
        now.size(),
        peer + "'s signed head of size " + now.size() + " " + what);
  }

  /** A head that contradicts the held one: recorded with the new head as evidence. */
  private HeadCheck inconsistent(
      String peer, TreeHead held, SignedTreeHead head, String why, String traceId) {
    TreeHead now = head.head();
    String message =
        peer
            + " rewrote its audit log: its signed head of size "
            + now.size()
            + " is not consistent with its signed head of size "
            + held.size()
            + " that "
            + self
            + " holds ("
            + why
            + ")";
    LOG.warn(message);
    durable(
        event(EventType.PEER_LOG_INCONSISTENT, peer, head, traceId)
            .detail("heldSize", held.size())
            .detail("newSize", now.size())
            .detail("reason", why)
            .build());
    return new HeadCheck(
        HeadCheck.Verdict.INCONSISTENT, peer, self, held.size(), now.size(), message);
  }

  private void hold(
      String peer, SignedTreeHead head, byte[] certificate, long previous, String traceId) {
    // on record first: a head is held only once its receipt is in our own signed log
    durable(
        event(EventType.PEER_HEAD_RECEIVED, peer, head, traceId)
            .detail("treeSize", head.head().size())
            .detail("previousSize", previous)
            .build());
    store.hold(peer, new PeerHeadStore.Held(head, certificate, clock.instant()));
  }

  private AuditEvent.Builder event(
      EventType type, String peer, SignedTreeHead head, String traceId) {
    return AuditEvent.builder(type)
        .time(clock.instant())
        .traceId(traceId)
        .actor(self)
        .counterparty(peer)
        .digest(head.head().rootHash())
        .detail("headTime", head.head().timestamp().toEpochMilli())
        .detail("signer", head.signerFingerprint())
        .detail("signature", HexFormat.of().formatHex(head.signature()));
  }

  private void durable(AuditEvent event) {
    try {
      log.append(event).get(AUDIT_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new SluiceException(
          ErrorCode.AUDIT_APPEND_FAILED,
          "the audit log could not record a peer's signed head (" + cause + ")",
          cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException(ErrorCode.AUDIT_APPEND_FAILED, "interrupted while auditing", e);
    }
  }

  /** Why the head cannot be the peer's commitment, if it cannot. */
  private Optional<String> invalid(String peer, SignedTreeHead head, byte[] certificate) {
    if (head.head().size() <= 0) {
      return Optional.of("an empty head commits to nothing");
    }
    X509Certificate cert;
    try {
      cert =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(certificate));
    } catch (CertificateException | RuntimeException e) {
      return Optional.of("its certificate cannot be read");
    }
    try {
      PeerIdentity signer =
          trust.verify(new X509Certificate[] {cert}, AuthorityTrust.PeerRole.SERVER);
      if (!signer.participant().equals(peer)) {
        return Optional.of("it is signed by " + signer.participant());
      }
    } catch (SluiceException e) {
      return Optional.of("its certificate is not acceptable (" + e.getMessage() + ")");
    }
    return head.verify(cert) ? Optional.empty() : Optional.of("its signature does not verify");
  }
}
