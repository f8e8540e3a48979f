package io.sluice.negotiation;

import io.sluice.negotiation.Transitions.Direction;
import io.sluice.negotiation.Transitions.Kind;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A store that fails every save whose change of state is not in the transition table (a new
 * negotiation counts as a change from no state). Tests put it under both managers, so whatever
 * sequence of messages, losses and timeouts they drive, the driver never moves a negotiation around
 * {@link Transitions}.
 */
final class TransitionCheckingStore implements NegotiationStore {
  private final NegotiationStore delegate;

  TransitionCheckingStore(NegotiationStore delegate) {
    this.delegate = delegate;
  }

  /** The states one message, sent or received, takes {@code role} to from {@code from}. */
  static Set<NegotiationState> next(Role role, NegotiationState from) {
    Set<NegotiationState> out = EnumSet.noneOf(NegotiationState.class);
    for (Direction d : Direction.values()) {
      for (Kind k : Kind.values()) {
        Transitions.next(role, from, d, k).ifPresent(out::add);
      }
    }
    return out;
  }

  /**
   * Whether the table takes {@code role} from {@code from} to {@code to} in one or two moves: the
   * driver saves a message received together with its answer (a provider stores REQUESTED and its
   * answer at once, AGREED becomes VERIFIED and FINALIZED in one save).
   */
  static boolean inTable(Role role, NegotiationState from, NegotiationState to) {
    Set<NegotiationState> one = next(role, from);
    if (one.contains(to)) {
      return true;
    }
    for (NegotiationState middle : one) {
      if (next(role, middle).contains(to)) {
        return true;
      }
    }
    return false;
  }

  private void check(Negotiation next) {
    NegotiationState from =
        next.version() == 0 ? null : delegate.find(next.id()).map(Negotiation::state).orElse(null);
    if (from != next.state() && !inTable(next.role(), from, next.state())) {
      throw new AssertionError(
          next.role()
              + " "
              + next.id()
              + " moved "
              + from
              + " -> "
              + next.state()
              + ", which is not in the transition table");
    }
  }

  @Override
  public Negotiation save(Negotiation n, Processed processed, StoredAgreement agreement) {
    check(n);
    return delegate.save(n, processed, agreement);
  }

  @Override
  public Optional<Negotiation> create(Negotiation n, ClientRequest request) {
    check(n);
    return delegate.create(n, request);
  }

  @Override
  public Optional<Negotiation> find(String id) {
    return delegate.find(id);
  }

  @Override
  public Optional<Negotiation> findByPeer(Role role, String counterparty, String peerPid) {
    return delegate.findByPeer(role, counterparty, peerPid);
  }

  @Override
  public List<Negotiation> list() {
    return delegate.list();
  }

  @Override
  public List<Negotiation> pending() {
    return delegate.pending();
  }

  @Override
  public List<Negotiation> due(long nowMs) {
    return delegate.due(nowMs);
  }

  @Override
  public List<Negotiation> idle(Role role, NegotiationState state, long updatedBeforeMs) {
    return delegate.idle(role, state, updatedBeforeMs);
  }

  @Override
  public Optional<byte[]> processedReply(String counterparty, String messageId) {
    return delegate.processedReply(counterparty, messageId);
  }

  @Override
  public Optional<ClientRequest> clientRequest(String requestId) {
    return delegate.clientRequest(requestId);
  }

  @Override
  public Optional<ClientRequest> clientRequestOf(String negotiationId) {
    return delegate.clientRequestOf(negotiationId);
  }

  @Override
  public Optional<StoredAgreement> agreement(String agreementId) {
    return delegate.agreement(agreementId);
  }

  @Override
  public List<StoredAgreement> agreements() {
    return delegate.agreements();
  }

  @Override
  public boolean terminateAgreement(String agreementId, String reason) {
    return delegate.terminateAgreement(agreementId, reason);
  }
}
