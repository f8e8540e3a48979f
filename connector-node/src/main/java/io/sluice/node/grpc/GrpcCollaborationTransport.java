package io.sluice.node.grpc;

import io.grpc.ClientInterceptors;
import io.grpc.StatusRuntimeException;
import io.sluice.collaboration.CollaborationTransport;
import io.sluice.proto.v1.CollaborationAck;
import io.sluice.proto.v1.CollaborationMessage;
import io.sluice.proto.v1.CollaborationServiceGrpc;
import java.util.concurrent.TimeUnit;

/**
 * Delivers collaboration messages to members over their mTLS channels, each with a deadline, by the
 * RPC its body belongs to.
 */
public final class GrpcCollaborationTransport implements CollaborationTransport {
  private final PeerChannels peers;
  private final long deadlineMillis;

  public GrpcCollaborationTransport(PeerChannels peers, long deadlineMillis) {
    this.peers = peers;
    this.deadlineMillis = deadlineMillis;
  }

  @Override
  public CollaborationAck deliver(
      String participant, CollaborationMessage message, String traceId) {
    CollaborationServiceGrpc.CollaborationServiceBlockingStub stub =
        CollaborationServiceGrpc.newBlockingStub(
                ClientInterceptors.intercept(
                    peers.channel(participant), TraceIds.clientInterceptor(traceId)))
            .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    try {
      return switch (message.getBodyCase()) {
        case PROPOSAL -> stub.propose(message);
        case COUNTERSIGNATURE, REFUSAL -> stub.countersign(message);
        case FINAL, ABANDONMENT -> stub.distribute(message);
        case BODY_NOT_SET -> throw new IllegalArgumentException("a message needs a body");
      };
    } catch (StatusRuntimeException e) {
      throw StatusMapping.fromStatus(e, participant);
    }
  }
}
