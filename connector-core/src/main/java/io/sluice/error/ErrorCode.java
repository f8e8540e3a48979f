package io.sluice.error;

/**
 * Every failure Sluice reports, with a stable number (never reused) and a category. The numbers are
 * part of the wire contract: peers see them in error details and operators grep for them.
 */
public enum ErrorCode {
  // 1xx: input and configuration
  INVALID_ARGUMENT(100, ErrorCategory.INVALID_ARGUMENT),
  INVALID_CONFIG(101, ErrorCategory.INVALID_ARGUMENT),
  INVALID_POLICY(102, ErrorCategory.INVALID_ARGUMENT),
  INVALID_CERTIFICATE_REQUEST(103, ErrorCategory.INVALID_ARGUMENT),
  WRONG_PASSPHRASE(104, ErrorCategory.INVALID_ARGUMENT),
  INVALID_DATA(105, ErrorCategory.INVALID_ARGUMENT),
  // 2xx: policy
  POLICY_DENIED(200, ErrorCategory.POLICY_DENIED),
  AGREEMENT_NOT_USABLE(201, ErrorCategory.POLICY_DENIED),
  RESULT_WITHHELD(202, ErrorCategory.POLICY_DENIED),
  /** An input set larger than the agreement allows (e.g. a PSI row count above inputRows). */
  INPUT_LIMIT_EXCEEDED(203, ErrorCategory.POLICY_DENIED),
  /**
   * The agreement's delete duty cannot be carried out for this result (no retention, a retention
   * that does not parse, a file name the audit log cannot record), so the computation is refused.
   */
  DELETE_DUTY_UNFULFILLABLE(204, ErrorCategory.POLICY_DENIED),
  /** The agreement carries a duty this node cannot carry out for the request at hand. */
  DUTY_NOT_POSSIBLE(205, ErrorCategory.POLICY_DENIED),
  // 230-239: collaborations (multi-party agreements)
  /** A member's terms are not met by a collaboration (its offer does not contain the terms). */
  COLLABORATION_REFUSED(230, ErrorCategory.POLICY_DENIED),
  /** The caller is not a member of the collaboration, or not the member that may send this. */
  NOT_A_MEMBER(231, ErrorCategory.POLICY_DENIED),
  /** The collaboration is not in force (not signed by every member, refused or expired). */
  COLLABORATION_NOT_IN_FORCE(232, ErrorCategory.POLICY_DENIED),
  /** A collaboration document breaks a rule of the format (docs/collaborations.md). */
  INVALID_COLLABORATION(233, ErrorCategory.INVALID_ARGUMENT),
  // 3xx: protocol
  PROTOCOL_VIOLATION(300, ErrorCategory.PROTOCOL_VIOLATION),
  MALFORMED_MESSAGE(301, ErrorCategory.PROTOCOL_VIOLATION),
  INVALID_POINT(302, ErrorCategory.PROTOCOL_VIOLATION),
  // 4xx: lookup and state
  NOT_FOUND(400, ErrorCategory.NOT_FOUND),
  ALREADY_EXISTS(401, ErrorCategory.CONFLICT),
  CONFLICT(402, ErrorCategory.CONFLICT),
  /**
   * A client request id (ContractService/Request) that already started a negotiation came back with
   * a different request: the id names one request only.
   */
  REQUEST_ID_REUSED(410, ErrorCategory.CONFLICT),
  // 420-429: collaborations
  /** A collaboration id that is known already came back with a different document. */
  COLLABORATION_CONFLICT(420, ErrorCategory.CONFLICT),
  /** The collaboration is in a state that does not allow this (say, signing a refused one). */
  COLLABORATION_WRONG_STATE(421, ErrorCategory.CONFLICT),
  /** No collaboration with this id on this node. */
  COLLABORATION_NOT_FOUND(422, ErrorCategory.NOT_FOUND),
  // 43x: the computation runtime
  /**
   * A computation session id whose use was spent (something derived from the data left a node) came
   * back: a session runs at most once; a new run takes a new session id.
   */
  SESSION_SPENT(430, ErrorCategory.CONFLICT),
  /** A computation session id that is running now on this node came again. */
  SESSION_RUNNING(431, ErrorCategory.CONFLICT),
  // 5xx: limits
  RESOURCE_EXHAUSTED(500, ErrorCategory.RESOURCE_EXHAUSTED),
  USE_COUNT_EXHAUSTED(501, ErrorCategory.RESOURCE_EXHAUSTED),
  // 6xx: identity
  UNAUTHENTICATED(600, ErrorCategory.UNAUTHENTICATED),
  BAD_SIGNATURE(601, ErrorCategory.UNAUTHENTICATED),
  /**
   * The authority's CRL is past its nextUpdate plus the configured grace, so revocation cannot be
   * checked: every peer and every agreement check is refused until a fresh CRL is in place. It is
   * the node's own state, not the peer's fault, and passes once the CRL is refreshed.
   */
  CRL_EXPIRED(602, ErrorCategory.UNAVAILABLE),
  // 603-609: collaborations
  /**
   * A signature on a collaboration does not verify, or its certificate is not the authority's for
   * that member (forged, for other bytes, or revoked).
   */
  COLLABORATION_SIGNATURE_INVALID(603, ErrorCategory.UNAUTHENTICATED),
  // 9xx: environment and bugs
  UNAVAILABLE(900, ErrorCategory.UNAVAILABLE),
  IO_ERROR(901, ErrorCategory.UNAVAILABLE),
  /** The session was cancelled, by our caller or by the peer's. */
  CANCELLED(902, ErrorCategory.UNAVAILABLE),
  /** The peer stopped the session because of an error on its side (its code is in the message). */
  PEER_ABORTED(903, ErrorCategory.UNAVAILABLE),
  /** Nothing arrived from the peer within the configured time. */
  DEADLINE_EXCEEDED(904, ErrorCategory.UNAVAILABLE),
  /**
   * The peer's stream ended (closed) before the protocol's last message: a crashed peer or a broken
   * connection as often as a misbehaving one, so it is retryable like UNAVAILABLE.
   */
  STREAM_TRUNCATED(905, ErrorCategory.UNAVAILABLE),
  /** The node is shutting down: it stopped the session and recorded how it ended. */
  NODE_STOPPING(906, ErrorCategory.UNAVAILABLE),
  /** The stored audit log does not verify: an entry or signed tree head was changed or removed. */
  AUDIT_LOG_TAMPERED(910, ErrorCategory.INTERNAL),
  /**
   * An event could not be stored in the audit log (the store failed, the log is broken or closed):
   * whatever needed the record stops rather than go on unrecorded.
   */
  AUDIT_APPEND_FAILED(911, ErrorCategory.UNAVAILABLE),
  INTERNAL(999, ErrorCategory.INTERNAL);

  private final int number;
  private final ErrorCategory category;

  ErrorCode(int number, ErrorCategory category) {
    this.number = number;
    this.category = category;
  }

  public int number() {
    return number;
  }

  public ErrorCategory category() {
    return category;
  }

  /** The code with this number, or {@link #INTERNAL} when a peer sends one we do not know. */
  public static ErrorCode ofNumber(int number) {
    for (ErrorCode code : values()) {
      if (code.number == number) {
        return code;
      }
    }
    return INTERNAL;
  }
}
