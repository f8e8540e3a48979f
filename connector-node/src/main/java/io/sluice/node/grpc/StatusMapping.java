package io.sluice.node.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.error.ErrorCategory;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;

/**
 * The one place where Sluice errors become gRPC statuses and back. The description sent to a peer
 * is our own message; internal and authentication failures share fixed messages that reveal nothing
 * about which check failed. The error code number travels in the {@code sluice-error} trailer so
 * the peer can rebuild a typed error.
 */
public final class StatusMapping {
  static final Metadata.Key<String> ERROR_CODE =
      Metadata.Key.of("sluice-error", Metadata.ASCII_STRING_MARSHALLER);

  static final String AUTHENTICATION_FAILED = "authentication failed";
  static final String NOT_ACCEPTING_PEERS = "not accepting peers now; try again later";
  static final String INTERNAL_ERROR = "internal error";

  private StatusMapping() {}

  public static Status.Code code(ErrorCategory category) {
    return switch (category) {
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case POLICY_DENIED -> Status.Code.PERMISSION_DENIED;
      case PROTOCOL_VIOLATION -> Status.Code.FAILED_PRECONDITION;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case CONFLICT -> Status.Code.ABORTED;
      case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
      case INTERNAL -> Status.Code.INTERNAL;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
    };
  }

  /**
   * The status that ends a call with a peer that did not pass: {@code UNAUTHENTICATED} with the one
   * shared message, or {@code UNAVAILABLE} (retryable) when it is this node that cannot judge
   * anyone now (its CRL expired), so that the peer retries instead of giving up.
   */
  static Status refusal(SluiceException e) {
    return e.code() == ErrorCode.CRL_EXPIRED
        ? Status.UNAVAILABLE.withDescription(NOT_ACCEPTING_PEERS)
        : Status.UNAUTHENTICATED.withDescription(AUTHENTICATION_FAILED);
  }

  /** The status and trailers to send for an error. */
  public static StatusRuntimeException toStatus(Throwable error) {
    SluiceException e =
        error instanceof SluiceException s
            ? s
            : new SluiceException(ErrorCode.INTERNAL, INTERNAL_ERROR, error);
    String description =
        switch (e.category()) {
          case INTERNAL -> INTERNAL_ERROR;
          case UNAUTHENTICATED -> AUTHENTICATION_FAILED;
          default -> e.getMessage();
        };
    Metadata trailers = new Metadata();
    trailers.put(ERROR_CODE, Integer.toString(e.code().number()));
    return Status.fromCode(code(e.category()))
        .withDescription(description)
        .asRuntimeException(trailers);
  }

  /** A typed error for a failed call; transport failures become UNAVAILABLE. */
  /**
   * How a typed error from a peer is told: a failure (the peer crashed, the stream broke, the
   * protocol went wrong) is never called a refusal; what the peer decided not to do is.
   */
  static String verb(ErrorCode code) {
    return switch (code.category()) {
      case UNAVAILABLE, PROTOCOL_VIOLATION, INTERNAL -> "failed";
      case POLICY_DENIED,
          RESOURCE_EXHAUSTED,
          INVALID_ARGUMENT,
          NOT_FOUND,
          CONFLICT,
          UNAUTHENTICATED ->
          "refused";
    };
  }

  public static SluiceException fromStatus(StatusRuntimeException e, String peer) {
    Metadata trailers = e.getTrailers();
    String number = trailers == null ? null : trailers.get(ERROR_CODE);
    String description = e.getStatus().getDescription();
    if (number != null) {
      ErrorCode code;
      try {
        code = ErrorCode.ofNumber(Integer.parseInt(number));
      } catch (NumberFormatException nfe) {
        code = ErrorCode.INTERNAL;
      }
      return new SluiceException(code, peer + " " + verb(code) + ": " + description);
    }
    return switch (e.getStatus().getCode()) {
      case DEADLINE_EXCEEDED ->
          new SluiceException(ErrorCode.UNAVAILABLE, peer + " did not answer in time");
      case UNAVAILABLE ->
          new SluiceException(
              ErrorCode.UNAVAILABLE,
              peer
                  + " is unreachable or refused the TLS handshake"
                  + (description == null ? "" : " (" + description + ")"));
      case UNAUTHENTICATED ->
          new SluiceException(ErrorCode.UNAUTHENTICATED, peer + ": authentication failed");
      case RESOURCE_EXHAUSTED ->
          new SluiceException(ErrorCode.RESOURCE_EXHAUSTED, peer + ": " + description);
      default ->
          new SluiceException(
              ErrorCode.UNAVAILABLE,
              peer + " failed: " + e.getStatus().getCode() + " " + description);
    };
  }
}
