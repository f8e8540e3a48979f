package io.sluice.negotiation;

import java.util.List;
import java.util.Objects;

/**
 * One negotiation as this node stores it. Immutable: every change is a new value written with the
 * store's optimistic version check.
 *
 * @param id our id for it (the consumer or provider process id of the Dataspace Protocol)
 * @param role our side
 * @param counterparty the other participant
 * @param peerPid the other side's id for it (empty until known)
 * @param datasetId the dataset
 * @param offerId the offer negotiated against
 * @param state the current state
 * @param purpose the purpose the consumer declared
 * @param requestedPolicy the policy the consumer asked for (JSON)
 * @param offeredPolicy the provider's counter-offer, if any (JSON)
 * @param acceptablePolicy the consumer's acceptable terms, if declared (JSON)
 * @param agreementId the agreement, once one exists
 * @param reasons why it was countered or terminated, for people
 * @param outgoing the message we still have to deliver and how its delivery goes ({@link
 *     Outgoing#NONE} when none)
 * @param traceId the trace id shared by both sides' audit entries
 * @param createdMs creation time
 * @param updatedMs last change
 * @param version optimistic-locking version (0 for a new negotiation)
 */
public record Negotiation(
    String id,
    Role role,
    String counterparty,
    String peerPid,
    String datasetId,
    String offerId,
    NegotiationState state,
    String purpose,
    String requestedPolicy,
    String offeredPolicy,
    String acceptablePolicy,
    String agreementId,
    List<String> reasons,
    Outgoing outgoing,
    String traceId,
    long createdMs,
    long updatedMs,
    long version) {

  public Negotiation {
    Objects.requireNonNull(id);
    Objects.requireNonNull(role);
    Objects.requireNonNull(counterparty);
    Objects.requireNonNull(state);
    peerPid = peerPid == null ? "" : peerPid;
    datasetId = datasetId == null ? "" : datasetId;
    offerId = offerId == null ? "" : offerId;
    purpose = purpose == null ? "" : purpose;
    requestedPolicy = requestedPolicy == null ? "" : requestedPolicy;
    offeredPolicy = offeredPolicy == null ? "" : offeredPolicy;
    acceptablePolicy = acceptablePolicy == null ? "" : acceptablePolicy;
    agreementId = agreementId == null ? "" : agreementId;
    reasons = List.copyOf(reasons);
    outgoing = outgoing == null ? Outgoing.NONE : outgoing;
    traceId = traceId == null ? "" : traceId;
  }

  public boolean hasPending() {
    return !outgoing.isEmpty();
  }

  /** The serialized message still to deliver (empty when none). */
  public byte[] pending() {
    return outgoing.message();
  }

  /** Failed deliveries of the pending message so far. */
  public int attempts() {
    return outgoing.attempts();
  }

  /** The same negotiation in {@code next}, with {@code reasons} added. */
  public Negotiation moveTo(NegotiationState next, long nowMs, List<String> moreReasons) {
    List<String> all = new java.util.ArrayList<>(reasons);
    all.addAll(moreReasons);
    return new Negotiation(
        id,
        role,
        counterparty,
        peerPid,
        datasetId,
        offerId,
        next,
        purpose,
        requestedPolicy,
        offeredPolicy,
        acceptablePolicy,
        agreementId,
        all,
        outgoing,
        traceId,
        createdMs,
        nowMs,
        version);
  }

  /** The same negotiation with {@code next} as what it still has to deliver. */
  public Negotiation withOutgoing(Outgoing next) {
    return new Negotiation(
        id,
        role,
        counterparty,
        peerPid,
        datasetId,
        offerId,
        state,
        purpose,
        requestedPolicy,
        offeredPolicy,
        acceptablePolicy,
        agreementId,
        reasons,
        next,
        traceId,
        createdMs,
        updatedMs,
        version);
  }

  /** The same negotiation with {@code message} to deliver at once. */
  public Negotiation sending(byte[] message, long nowMs) {
    return withOutgoing(Outgoing.now(message, nowMs));
  }

  /** The same negotiation with nothing left to deliver. */
  public Negotiation withNothingToSend() {
    return withOutgoing(Outgoing.NONE);
  }

  public Negotiation withPeerPid(String pid) {
    return new Negotiation(
        id,
        role,
        counterparty,
        pid,
        datasetId,
        offerId,
        state,
        purpose,
        requestedPolicy,
        offeredPolicy,
        acceptablePolicy,
        agreementId,
        reasons,
        outgoing,
        traceId,
        createdMs,
        updatedMs,
        version);
  }

  public Negotiation withOffered(String policy) {
    return new Negotiation(
        id,
        role,
        counterparty,
        peerPid,
        datasetId,
        offerId,
        state,
        purpose,
        requestedPolicy,
        policy,
        acceptablePolicy,
        agreementId,
        reasons,
        outgoing,
        traceId,
        createdMs,
        updatedMs,
        version);
  }

  public Negotiation withAgreement(String agreement) {
    return new Negotiation(
        id,
        role,
        counterparty,
        peerPid,
        datasetId,
        offerId,
        state,
        purpose,
        requestedPolicy,
        offeredPolicy,
        acceptablePolicy,
        agreement,
        reasons,
        outgoing,
        traceId,
        createdMs,
        updatedMs,
        version);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Negotiation n
        && id.equals(n.id)
        && version == n.version
        && state == n.state
        && updatedMs == n.updatedMs
        && outgoing.equals(n.outgoing);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, version, state);
  }

  @Override
  public String toString() {
    return "Negotiation["
        + id
        + " "
        + role
        + " with "
        + counterparty
        + " "
        + state
        + " v"
        + version
        + "]";
  }
}
