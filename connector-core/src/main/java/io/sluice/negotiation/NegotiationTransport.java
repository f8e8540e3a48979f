package io.sluice.negotiation;

import io.sluice.proto.v1.NegotiationMessage;

/**
 * Delivers one negotiation message to a peer and returns its reply. The node implements it over
 * mTLS gRPC; tests connect two managers in memory. Transport failures are SluiceExceptions of
 * category UNAVAILABLE; a peer's refusal arrives as the peer's typed error.
 */
@FunctionalInterface
public interface NegotiationTransport {
  NegotiationMessage deliver(String participant, NegotiationMessage message, String traceId);
}
