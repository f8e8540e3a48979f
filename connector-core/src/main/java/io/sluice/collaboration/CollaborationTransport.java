package io.sluice.collaboration;

import io.sluice.proto.v1.CollaborationAck;
import io.sluice.proto.v1.CollaborationMessage;

/**
 * Delivers one collaboration message to a member and returns its acknowledgement. The node
 * implements it over mTLS gRPC (the RPC chosen by the message's body); tests connect managers in
 * memory. Transport failures are SluiceExceptions of category UNAVAILABLE; a member's refusal of
 * the message arrives as the member's typed error.
 */
@FunctionalInterface
public interface CollaborationTransport {
  CollaborationAck deliver(String participant, CollaborationMessage message, String traceId);
}
