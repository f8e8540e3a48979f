package io.sluice.node.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.sluice.collaboration.CollaborationFile;
import io.sluice.collaboration.CollaborationManager;
import io.sluice.collaboration.CollaborationSignatures;
import io.sluice.collaboration.CollaborationStore;
import io.sluice.collaboration.StoredCollaboration;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.CollaborationControlGrpc;
import io.sluice.proto.v1.CollaborationDetails;
import io.sluice.proto.v1.CollaborationIdRequest;
import io.sluice.proto.v1.CollaborationMember;
import io.sluice.proto.v1.CollaborationStatus;
import io.sluice.proto.v1.ListCollaborationsRequest;
import io.sluice.proto.v1.ListCollaborationsResponse;
import io.sluice.proto.v1.MemberStatus;
import io.sluice.proto.v1.ProposeCollaborationRequest;
import io.sluice.proto.v1.RefuseCollaborationRequest;
import io.sluice.proto.v1.SignCollaborationRequest;
import io.sluice.proto.v1.SignedCollaboration;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code sluice.v1.CollaborationControl}: the node's own operator (a certificate of this
 * participant) proposes, signs, shows and lists collaborations. Nobody else may call it.
 */
public final class CollaborationControlService
    extends CollaborationControlGrpc.CollaborationControlImplBase {
  /** A collaboration file larger than this is refused before it is read. */
  static final int MAX_FILE_CHARS = 1024 * 1024;

  private final String self;
  private final String space;
  private final CollaborationManager manager;
  private final CollaborationStore store;
  private final AuthorityTrust trust;
  private final CollaborationFile.TermsResolver terms;
  private final Clock clock;

  public CollaborationControlService(
      String self,
      CollaborationManager manager,
      CollaborationStore store,
      AuthorityTrust trust,
      CollaborationFile.TermsResolver terms,
      Clock clock) {
    this.self = self;
    this.space = trust.space();
    this.manager = manager;
    this.store = store;
    this.trust = trust;
    this.terms = terms;
    this.clock = clock;
  }

  private void requireSelf() {
    if (!Caller.current().participant().equals(self)) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED, "only " + self + " itself may manage its collaborations");
    }
  }

  @Override
  public void propose(
      ProposeCollaborationRequest request, StreamObserver<CollaborationDetails> response) {
    requireSelf();
    if (request.getCollaborationJson().length() > MAX_FILE_CHARS) {
      throw new SluiceException(ErrorCode.INVALID_COLLABORATION, "the file is too large");
    }
    Collaboration c =
        CollaborationFile.read(request.getCollaborationJson(), space, self, clock.millis(), terms);
    respond(response, details(manager.propose(c, java.util.UUID.randomUUID().toString())));
  }

  @Override
  public void sign(
      SignCollaborationRequest request, StreamObserver<CollaborationDetails> response) {
    requireSelf();
    requireId(request.getCollaborationId());
    respond(
        response, details(manager.sign(request.getCollaborationId(), request.getAcceptableJson())));
  }

  @Override
  public void refuse(
      RefuseCollaborationRequest request, StreamObserver<CollaborationDetails> response) {
    requireSelf();
    requireId(request.getCollaborationId());
    String reason = request.getReason().strip();
    if (reason.isEmpty() || reason.length() > 1000) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "a reason of 1 to 1000 characters is required");
    }
    respond(response, details(manager.refuse(request.getCollaborationId(), reason)));
  }

  @Override
  public void show(CollaborationIdRequest request, StreamObserver<CollaborationDetails> response) {
    requireSelf();
    requireId(request.getCollaborationId());
    StoredCollaboration s =
        manager
            .find(request.getCollaborationId())
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.COLLABORATION_NOT_FOUND,
                        "no collaboration " + request.getCollaborationId()));
    respond(response, details(s));
  }

  @Override
  public void list(
      ListCollaborationsRequest request, StreamObserver<ListCollaborationsResponse> response) {
    requireSelf();
    ListCollaborationsResponse.Builder b = ListCollaborationsResponse.newBuilder();
    manager.list().forEach(s -> b.addCollaborations(status(s, s.signedCollaboration())));
    respond(response, b.build());
  }

  private static void requireId(String id) {
    if (id.isEmpty() || id.length() > 128) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "a collaboration id is required");
    }
  }

  private CollaborationDetails details(StoredCollaboration s) {
    SignedCollaboration signed = s.signedCollaboration();
    CollaborationSignatures.Check check = CollaborationSignatures.check(signed, trust, false);
    return CollaborationDetails.newBuilder()
        .setStatus(status(s, signed))
        .setSignedCollaboration(ByteString.copyFrom(s.signed()))
        .addAllProblems(check.problems())
        .build();
  }

  private CollaborationStatus status(StoredCollaboration s, SignedCollaboration signed) {
    Collaboration c = s.collaboration();
    Set<String> signers =
        signed.getSignaturesList().stream().map(m -> m.getMember()).collect(Collectors.toSet());
    Map<String, CollaborationStore.Delivery> pending =
        store.outbox(s.id()).stream()
            .collect(Collectors.toMap(CollaborationStore.Delivery::member, Function.identity()));
    CollaborationStatus.Builder b =
        CollaborationStatus.newBuilder()
            .setCollaborationId(s.id())
            .setRole(s.role().name())
            .setProposer(s.proposer())
            .setState(s.state().name())
            .setComputation(c.getComputation())
            .addAllReasons(s.reasons())
            .setExpiresMs(s.expiresMs())
            .setUpdatedMs(s.updatedMs())
            .setUseCount(store.useCount(s.id()))
            .setMaxUses(c.getMaxUses());
    for (CollaborationMember m : c.getMembersList()) {
      MemberStatus.Builder ms =
          MemberStatus.newBuilder()
              .setParticipant(m.getParticipant())
              .setSigned(signers.contains(m.getParticipant()));
      m.getRolesList().forEach(r -> ms.addRoles(CollaborationFile.roleName(r)));
      CollaborationStore.Delivery d = pending.get(m.getParticipant());
      if (d != null) {
        ms.setPending(d.kind().name().toLowerCase(java.util.Locale.ROOT))
            .setDeliveryFailures(d.outgoing().attempts());
      }
      b.addMembers(ms);
    }
    return b.build();
  }

  private static <T> void respond(StreamObserver<T> response, T value) {
    response.onNext(value);
    response.onCompleted();
  }
}
