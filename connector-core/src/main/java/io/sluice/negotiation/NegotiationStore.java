package io.sluice.negotiation;

import java.util.List;
import java.util.Optional;

/**
 * Durable negotiation state. Every {@link #save} is one transaction: the negotiation (checked
 * against its version), and optionally the inbound message we processed with our reply, and the
 * agreement it produced — so a crash can never leave a state change without its reply or vice
 * versa. A negotiation saved as TERMINATED terminates its agreement, if it has one, in the same
 * transaction: an agreement never outlives the negotiation that was to produce it.
 */
public interface NegotiationStore {

  /** A processed inbound message and the reply we gave (replayed on re-delivery). */
  record Processed(String counterparty, String messageId, byte[] reply) {}

  /**
   * A client's id for one {@code ContractService/Request}: the negotiation it started, and the
   * digest of the request without its id, which a repeat must match.
   */
  record ClientRequest(String requestId, String negotiationId, String digest, long createdMs) {}

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

  /** Negotiations with a message still to deliver (final ones may hold a termination notice). */
  List<Negotiation> pending();

  /** Negotiations whose message is due for delivery at {@code nowMs}, the longest due first. */
  List<Negotiation> due(long nowMs);

  /**
   * Negotiations of {@code role} in {@code state} not changed since before {@code updatedBeforeMs}:
   * a provider's OFFERED and AGREED change only by leaving the state, so this is how long the
   * provider has been waiting for the consumer.
   */
  List<Negotiation> idle(Role role, NegotiationState state, long updatedBeforeMs);

  Optional<byte[]> processedReply(String counterparty, String messageId);

  /**
   * Writes {@code negotiation} (insert when its version is 0, else update where the stored version
   * equals it; the stored version becomes version + 1), plus the processed message and agreement
   * when given. Throws CONFLICT when the version check fails.
   */
  Negotiation save(Negotiation negotiation, Processed processed, StoredAgreement agreement);

  /**
   * Inserts a new negotiation together with the client request id that started it, in one
   * transaction; empty (and nothing written) when the request id is taken already.
   */
  Optional<Negotiation> create(Negotiation negotiation, ClientRequest request);

  /** The client request with this id, if one was made. */
  Optional<ClientRequest> clientRequest(String requestId);

  /** The client request that started this negotiation, if it was started with an id. */
  Optional<ClientRequest> clientRequestOf(String negotiationId);

  Optional<StoredAgreement> agreement(String agreementId);

  List<StoredAgreement> agreements();

  /** Marks an agreement terminated for future use; true if it changed. */
  boolean terminateAgreement(String agreementId, String reason);
}
