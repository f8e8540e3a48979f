package io.sluice.node.grpc;

import io.grpc.ClientInterceptors;
import io.grpc.StatusRuntimeException;
import io.sluice.negotiation.NegotiationTransport;
import io.sluice.proto.v1.NegotiationMessage;
import io.sluice.proto.v1.NegotiationServiceGrpc;
import java.util.concurrent.TimeUnit;

/** Delivers negotiation messages to peers over their mTLS channels, with a deadline. */
public final class GrpcNegotiationTransport implements NegotiationTransport {
  private final PeerChannels peers;
  private final long deadlineMillis;

  public GrpcNegotiationTransport(PeerChannels peers, long deadlineMillis) {
    this.peers = peers;
    this.deadlineMillis = deadlineMillis;
  }

  @Override
  public NegotiationMessage deliver(
      String participant, NegotiationMessage message, String traceId) {
    try {
      return NegotiationServiceGrpc.newBlockingStub(
              ClientInterceptors.intercept(
                  peers.channel(participant), TraceIds.clientInterceptor(traceId)))
          .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
          .deliver(message);
    } catch (StatusRuntimeException e) {
      throw StatusMapping.fromStatus(e, participant);
    }
  }
}
