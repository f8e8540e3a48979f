package io.sluice.node.grpc;

import io.grpc.stub.StreamObserver;
import io.sluice.collaboration.CollaborationManager;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.proto.v1.CollaborationAck;
import io.sluice.proto.v1.CollaborationMessage;
import io.sluice.proto.v1.CollaborationServiceGrpc;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code sluice.v1.CollaborationService}: members deliver collaboration messages here, over mTLS,
 * as the caller their certificate proves. Each RPC takes its own body kinds only and messages up to
 * {@link #MAX_MESSAGE_BYTES}; everything else is judged by the {@link CollaborationManager}, which
 * checks every field off the wire (canonical document, membership, signatures against the
 * authority) before anything is stored.
 */
public final class CollaborationGrpcService
    extends CollaborationServiceGrpc.CollaborationServiceImplBase {
  /** Room for 64 members' certificates and signatures and their terms; far below the node cap. */
  public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  private final CollaborationManager manager;

  public CollaborationGrpcService(CollaborationManager manager) {
    this.manager = manager;
  }

  @Override
  public void propose(CollaborationMessage request, StreamObserver<CollaborationAck> response) {
    handle(request, EnumSet.of(CollaborationMessage.BodyCase.PROPOSAL), response);
  }

  @Override
  public void countersign(CollaborationMessage request, StreamObserver<CollaborationAck> response) {
    handle(
        request,
        EnumSet.of(
            CollaborationMessage.BodyCase.COUNTERSIGNATURE, CollaborationMessage.BodyCase.REFUSAL),
        response);
  }

  @Override
  public void distribute(CollaborationMessage request, StreamObserver<CollaborationAck> response) {
    handle(
        request,
        EnumSet.of(CollaborationMessage.BodyCase.FINAL, CollaborationMessage.BodyCase.ABANDONMENT),
        response);
  }

  private void handle(
      CollaborationMessage request,
      Set<CollaborationMessage.BodyCase> allowed,
      StreamObserver<CollaborationAck> response) {
    if (request.getSerializedSize() > MAX_MESSAGE_BYTES) {
      throw new SluiceException(
          ErrorCode.RESOURCE_EXHAUSTED,
          "a collaboration message is at most " + MAX_MESSAGE_BYTES + " bytes");
    }
    if (!allowed.contains(request.getBodyCase())) {
      throw new SluiceException(
          ErrorCode.MALFORMED_MESSAGE,
          "this call takes " + allowed + ", not " + request.getBodyCase());
    }
    if (!request.getUnknownFields().asMap().isEmpty()) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "unknown fields in the message");
    }
    response.onNext(manager.handle(Caller.current(), request, TraceIds.current()));
    response.onCompleted();
  }
}
