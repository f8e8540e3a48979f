package io.sluice.collaboration;

/** Where a collaboration stands on one member's node. */
public enum CollaborationState {
  /** A proposal this member holds but has not signed (its operator reviews it). */
  PROPOSED,
  /** This member signed; not every member's signature is in yet. */
  SIGNING,
  /** Every member signed: the collaboration may be used until it expires. */
  IN_FORCE,
  /** A member refused (or could not be reached): it never comes into force. */
  REFUSED,
  /** Not signed by every member before its expiry, or past its expiry. */
  EXPIRED;

  /** Whether nothing more can happen to it (an IN_FORCE one can still expire). */
  public boolean isFinal() {
    return this == REFUSED || this == EXPIRED;
  }
}
