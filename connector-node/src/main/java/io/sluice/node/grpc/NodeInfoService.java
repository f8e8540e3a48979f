package io.sluice.node.grpc;

import io.grpc.stub.StreamObserver;
import io.sluice.identity.PeerIdentity;
import io.sluice.proto.v1.Identity;
import io.sluice.proto.v1.InfoRequest;
import io.sluice.proto.v1.InfoResponse;
import io.sluice.proto.v1.NodeServiceGrpc;

/**
 * {@code sluice.v1.NodeService}: who this node is, and who the caller is as we authenticated it.
 */
public final class NodeInfoService extends NodeServiceGrpc.NodeServiceImplBase {
  private final Identity self;
  private final String version;

  public NodeInfoService(PeerIdentity self, String version) {
    this.self = toProto(self);
    this.version = version;
  }

  @Override
  public void info(InfoRequest request, StreamObserver<InfoResponse> response) {
    response.onNext(
        InfoResponse.newBuilder()
            .setNode(self)
            .setCaller(toProto(Caller.current()))
            .setVersion(version)
            .build());
    response.onCompleted();
  }

  public static Identity toProto(PeerIdentity identity) {
    return Identity.newBuilder()
        .setParticipantId(identity.participant())
        .setSpace(identity.space())
        .setOrganization(identity.organization())
        .addAllRoles(identity.roles())
        .putAllAttributes(identity.attributes())
        .setCertificateSha256(identity.certificateSha256())
        .setSerial(identity.serial())
        .build();
  }
}
