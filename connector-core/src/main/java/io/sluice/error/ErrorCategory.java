package io.sluice.error;

/**
 * The coarse class of a failure. Exactly one place maps categories to transport status codes (the
 * node's gRPC interceptor), with a {@code switch} that has no {@code default}, so adding a category
 * breaks compilation there until it is mapped.
 */
public enum ErrorCategory {
  INVALID_ARGUMENT,
  POLICY_DENIED,
  PROTOCOL_VIOLATION,
  NOT_FOUND,
  CONFLICT,
  RESOURCE_EXHAUSTED,
  UNAUTHENTICATED,
  INTERNAL,
  UNAVAILABLE
}
