package io.sluice.node.grpc;

import io.grpc.stub.StreamObserver;
import io.sluice.negotiation.NegotiationManager;
import io.sluice.proto.v1.NegotiationMessage;
import io.sluice.proto.v1.NegotiationServiceGrpc;

/** {@code sluice.v1.NegotiationService}: peers deliver negotiation messages here. */
public final class NegotiationGrpcService
    extends NegotiationServiceGrpc.NegotiationServiceImplBase {
  private final NegotiationManager manager;

  public NegotiationGrpcService(NegotiationManager manager) {
    this.manager = manager;
  }

  @Override
  public void deliver(NegotiationMessage request, StreamObserver<NegotiationMessage> response) {
    response.onNext(manager.handle(Caller.current(), request, TraceIds.current()));
    response.onCompleted();
  }
}
