package io.sluice.audit;

/**
 * What an audit entry records. The constant's name is stored and is part of the entry's signed
 * encoding, so a name is never changed or reused; new kinds are added at the end.
 */
public enum EventType {
  /** A negotiation message went to the counterparty (details: message type, state). */
  NEGOTIATION_SENT,
  /** A negotiation message came from the counterparty. */
  NEGOTIATION_RECEIVED,
  /** Both nodes signed an agreement (digest: SHA-256 of the signed agreement bytes). */
  AGREEMENT_SIGNED,
  /** An agreement ended before its natural expiry. */
  AGREEMENT_TERMINATED,
  COMPUTATION_REQUESTED,
  COMPUTATION_STARTED,
  COMPUTATION_FINISHED,
  /** A computation was refused before any data moved (details: why). */
  COMPUTATION_REFUSED,
  /** A computation that had started stopped with an error (details: error code). */
  COMPUTATION_FAILED,
  /**
   * An Arrow frame left this node. Details: {@code stream}, {@code frame} (sequence number in the
   * stream), {@code rows}, {@code bytes}; digest: SHA-256 of the bytes exactly as sent.
   */
  FRAME_SENT,
  /** An Arrow frame arrived; details and digest as for {@link #FRAME_SENT}. */
  FRAME_RECEIVED,
  RESULT_RELEASED,
  /** A result was not released (details: the rule that withheld it). */
  RESULT_WITHHELD,
  /** The policy engine denied a request (details: the failing constraint). */
  POLICY_DENIED,
  /** A peer's TLS handshake or identity was refused. */
  HANDSHAKE_REFUSED,
  CONFIG_CHANGED,
  /** The node's key or certificate changed (details: old and new certificate fingerprints). */
  KEY_CHANGED,
  NODE_STARTED,
  NODE_STOPPED
}
