package io.sluice.negotiation;

/** The Dataspace Protocol's contract negotiation states. FINALIZED and TERMINATED are final. */
public enum NegotiationState {
  REQUESTED,
  OFFERED,
  ACCEPTED,
  AGREED,
  VERIFIED,
  FINALIZED,
  TERMINATED;

  public boolean isFinal() {
    return this == FINALIZED || this == TERMINATED;
  }
}
