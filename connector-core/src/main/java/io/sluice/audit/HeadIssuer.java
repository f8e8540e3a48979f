package io.sluice.audit;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The signed tree heads of this node's audit log that it hands to counterparties, and the
 * consistency proofs between them.
 *
 * <p>A counterparty only ever gets a head the log signed on its own schedule ({@link
 * AuditLogConfig#signEveryEntries()}, {@link AuditLogConfig#signInterval()}): asking never makes
 * the node sign, so no participant can make it sign at will or learn the log's size at the moment
 * of its choosing. Every head handed out is recorded per participant, and a participant may ask for
 * consistency proofs between heads it was given, and no others: enough to hold this node to what it
 * signed, nothing to probe the log with.
 */
public final class HeadIssuer {
  private final PeerHeadStore store;
  private final AuditLog log;
  private final Clock clock;

  public HeadIssuer(PeerHeadStore store, AuditLog log, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.log = Objects.requireNonNull(log, "log");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The latest head the log signed on its schedule, recorded as handed to {@code participant};
   * empty while the log has none.
   */
  public Optional<SignedTreeHead> issue(String participant) {
    Optional<SignedTreeHead> head = log.latestHead();
    head.ifPresent(h -> store.issued(participant, h.head().size(), clock.instant()));
    return head;
  }

  /**
   * Our head of {@code treeSize}, if it was handed to {@code participant}.
   *
   * @throws SluiceException POLICY_DENIED if it was not, NOT_FOUND if the log has no such head
   */
  public SignedTreeHead issued(String participant, long treeSize) {
    requireIssued(participant, treeSize);
    return log.store()
        .head(treeSize)
        .orElseThrow(
            () -> new SluiceException(ErrorCode.NOT_FOUND, "no signed head of size " + treeSize));
  }

  /**
   * The RFC 9162 consistency proof between two heads handed to {@code participant}, from the
   * smaller to the larger (empty when they are one size).
   *
   * @throws SluiceException INVALID_ARGUMENT for a size that is not positive, POLICY_DENIED for a
   *     head not handed to this participant
   */
  public List<byte[]> prove(String participant, long size1, long size2) {
    if (size1 <= 0 || size2 <= 0) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "head sizes are positive");
    }
    requireIssued(participant, size1);
    requireIssued(participant, size2);
    return size1 == size2
        ? List.of()
        : log.store().consistencyProof(Math.min(size1, size2), Math.max(size1, size2));
  }

  private void requireIssued(String participant, long treeSize) {
    if (!store.wasIssued(participant, treeSize)) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED,
          "a participant may ask about the signed heads this node gave it; size "
              + treeSize
              + " is not one of them");
    }
  }
}
