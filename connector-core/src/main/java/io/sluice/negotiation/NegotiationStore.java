package io.sluice.negotiation;

import java.util.List;
import java.util.Optional;

/**
 * Durable negotiation state. Every {@link #save} is one transaction: the negotiation (checked
 * against its version), and optionally the inbound message we processed with our reply, and the
 * agreement it produced — so a crash can never leave a state change without its reply or vice
 * versa.
 */
public interface NegotiationStore {

  /** A processed inbound message and the reply we gave (replayed on re-delivery). */
  record Processed(String counterparty, String messageId, byte[] reply) {}

  /** A stored agreement: the signed bytes exactly as both nodes hold them, and its status. */
  record StoredAgreement(
      String agreementId,
      String negotiationId,
      Role role,
      String providerId,
      String consumerId,
      String datasetId,
      byte[] signedAgreement,
      long validFromMs,
      long validUntilMs,
      boolean finalized,
      String terminatedReason,
      long useCount) {
    public boolean terminated() {
      return terminatedReason != null && !terminatedReason.isEmpty();
    }
  }

  Optional<Negotiation> find(String id);

  Optional<Negotiation> findByPeer(Role role, String counterparty, String peerPid);

  List<Negotiation> list();

  /** Non-final negotiations with a message still to deliver. */
  List<Negotiation> pending();

  Optional<byte[]> processedReply(String counterparty, String messageId);

  /**
   * Writes {@code negotiation} (insert when its version is 0, else update where the stored version
   * equals it; the stored version becomes version + 1), plus the processed message and agreement
   * when given. Throws CONFLICT when the version check fails.
   */
  Negotiation save(Negotiation negotiation, Processed processed, StoredAgreement agreement);

  Optional<StoredAgreement> agreement(String agreementId);

  List<StoredAgreement> agreements();

  /** Marks an agreement terminated for future use; true if it changed. */
  boolean terminateAgreement(String agreementId, String reason);

  /**
   * Atomically counts one use of an agreement if fewer than {@code maxUses} were counted (no limit
   * when maxUses is negative); returns the new count, or -1 when exhausted.
   */
  long countUse(String agreementId, long maxUses);
}
