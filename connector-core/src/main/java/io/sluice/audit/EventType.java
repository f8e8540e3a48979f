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
  /**
   * A peer's TLS handshake was refused: its certificate (a client calling us, or a server we
   * called) did not pass. Details: {@code reason}, {@code certificate} (SHA-256, when one was
   * presented), {@code peer} ({@code client} or {@code server}).
   */
  HANDSHAKE_REFUSED,
  CONFIG_CHANGED,
  /** The node's key or certificate changed (details: old and new certificate fingerprints). */
  KEY_CHANGED,
  NODE_STARTED,
  NODE_STOPPED,
  /**
   * A computation's result file was recorded with its retention (trace, session and agreement of
   * the computation). Details: {@code result} (the result id), {@code file} (the file name, no
   * directory), {@code rows}, {@code bytes}; with a delete duty also {@code duty} (its JSON pointer
   * in the agreement's policy), {@code retention} (ISO 8601, e.g. {@code P30D}) and {@code
   * deleteBy} (ISO 8601 instant). Digest: SHA-256 of the file as written.
   */
  RESULT_KEPT,
  /**
   * Sluice came to delete a result file (same trace, session and agreement as its {@link
   * #RESULT_KEPT}). Details: {@code result}, {@code file}, {@code state} ({@code DELETED} by the
   * sweep, {@code PURGED} on the operator's request, {@code MISSING} when the file was already
   * gone, {@code DELETE_FAILED} when it could not be deleted, with a {@code reason}), {@code by}
   * ({@code sweep} or {@code operator}); with a delete duty also {@code deleteBy} and {@code
   * lateSeconds} (seconds after deleteBy, negative when before it).
   */
  RESULT_DELETED,
  /** The retention sweep failed as a whole (details: {@code error}, the error code's name). */
  RESULT_SWEEP_FAILED,
  /**
   * The consumer's node notified the provider of a use, as an {@code inform} duty requires
   * (details: use, outcome, deleteBy).
   */
  USE_NOTICE_SENT,
  /** The provider's node recorded a consumer's notice of a use (details as for the sent one). */
  USE_NOTICE_RECEIVED,
  /**
   * A call of an authenticated connection was refused or cut because the peer's certificate no
   * longer passes (revoked, expired, or revocation cannot be checked). Details: {@code reason},
   * {@code certificate} (SHA-256), {@code peer} ({@code client} when the peer called us, {@code
   * server} when we called it), {@code call} ({@code new} for a call refused before it started,
   * {@code open} for one cut while it ran).
   */
  CALL_REFUSED,
  /**
   * The authority's CRL passed its nextUpdate plus the grace: from now on the node refuses every
   * peer. Details: {@code number}, {@code nextUpdate}, {@code graceSeconds}, and {@code problem}
   * when the file itself is missing or was not accepted.
   */
  CRL_EXPIRED,
  /** A current CRL is in place again after {@link #CRL_EXPIRED} (details: number, nextUpdate). */
  CRL_CURRENT,
  /**
   * This node now holds a peer (the counterparty) to a signed tree head of the peer's audit log:
   * the first it received, or one proven consistent with the head it held before. Digest: the
   * head's root hash. Details: {@code treeSize}, {@code headTime} (ms), {@code signer} (certificate
   * fingerprint), {@code signature} (hex), {@code previousSize} (0 for the first).
   */
  PEER_HEAD_RECEIVED,
  /**
   * A peer (the counterparty) signed a tree head that is not consistent with the one this node
   * holds it to: its log was rewritten. Digest: the new head's root hash. Details: {@code
   * heldSize}, {@code newSize}, {@code headTime}, {@code signer}, {@code signature} (of the new
   * head), {@code reason}.
   */
  PEER_LOG_INCONSISTENT,
  /**
   * At start, the node found a result release that a crash interrupted (same trace, session and
   * agreement as the computation). Details: {@code file} (name only), {@code released} (whether its
   * {@code RESULT_RELEASED} entry was stored), {@code found} ({@code nothing}, {@code partial} — a
   * temporary file, deleted — or {@code unregistered} — the complete file, deleted because it was
   * never registered for deletion).
   */
  RESULT_RELEASE_INTERRUPTED,
  // ---- collaborations (multi-party agreements); counterparty: the proposer (or, for the
  // proposer, the member concerned); details: collaboration id, state, computation.
  /** A collaboration was proposed by this node, or a proposal arrived and is stored PROPOSED. */
  COLLABORATION_PROPOSED,
  /** A member signed a collaboration (this node, or a member whose countersignature arrived). */
  COLLABORATION_SIGNED,
  /** A collaboration was refused (details: the first reason) and will never come into force. */
  COLLABORATION_REFUSED,
  /** Every member signed: the collaboration is in force (digest: SHA-256 of the signed bytes). */
  COLLABORATION_IN_FORCE,
  /** A collaboration expired (unsigned, or past its end). */
  COLLABORATION_EXPIRED
}
