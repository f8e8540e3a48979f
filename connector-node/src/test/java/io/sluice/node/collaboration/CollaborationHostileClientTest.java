package io.sluice.node.collaboration;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.audit.EventType;
import io.sluice.collaboration.CollaborationSignatures;
import io.sluice.identity.NodeCredentials;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.CollaborationAck;
import io.sluice.proto.v1.CollaborationControlGrpc;
import io.sluice.proto.v1.CollaborationMessage;
import io.sluice.proto.v1.CollaborationRefusal;
import io.sluice.proto.v1.CollaborationServiceGrpc;
import io.sluice.proto.v1.ListCollaborationsRequest;
import io.sluice.proto.v1.MemberSignature;
import io.sluice.proto.v1.SignedCollaboration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile client with a genuine certificate of the space talks to members' nodes over mTLS
 * through raw stubs, skipping every check our CLI and nodes make on their own side: forged
 * signatures, a non-member countersigning, a member changing the document or speaking for the
 * proposer, wrong calls, and replays. Each is refused with its error code in the {@code
 * sluice-error} trailer, and none changes what the nodes hold.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CollaborationHostileClientTest {
  static final List<String> MEMBERS = List.of("association", "oem-a", "oem-b", "oem-c");
  static final Metadata.Key<String> ERROR =
      Metadata.Key.of("sluice-error", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir static Path dir;
  CollaborationSpace space;
  final List<SluiceNode> nodes = new ArrayList<>();
  final List<ManagedChannel> channels = new ArrayList<>();
  Path outsider;
  int proposals;

  @BeforeAll
  void start() {
    space = new CollaborationSpace(dir, MEMBERS);
    MEMBERS.forEach(m -> nodes.add(TestNodes.start(space.configs.get(m))));
    outsider = space.outsider("oem-x");
  }

  @AfterAll
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    nodes.forEach(SluiceNode::close);
  }

  /** A fresh collaboration proposed by the association; returns its signed proposal. */
  SignedCollaboration propose() throws Exception {
    String id = "hostile-" + ++proposals;
    Path file = space.collaborationFile(id, MEMBERS, null);
    CliRunner.Result r =
        CliRunner.run(
            "collaboration",
            "propose",
            "--config",
            space.configs.get("association").toString(),
            "--file",
            file.toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    return CollaborationSignatures.parseSigned(space.signedDocument("association", id));
  }

  CollaborationServiceGrpc.CollaborationServiceBlockingStub as(Path config, String target) {
    ManagedChannel c = space.channel(config, target);
    channels.add(c);
    return CollaborationServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  CollaborationServiceGrpc.CollaborationServiceBlockingStub as(String member, String target) {
    return as(space.configs.get(member), target);
  }

  NodeCredentials credentials(String member) {
    return space.identity(space.configs.get(member)).credentials();
  }

  static CollaborationMessage.Builder message(SignedCollaboration s) {
    return CollaborationMessage.newBuilder()
        .setCollaborationId(collaboration(s).getCollaborationId());
  }

  /** A message under an id no member has seen. */
  CollaborationMessage.Builder unseen() {
    return CollaborationMessage.newBuilder().setCollaborationId("unseen-" + ++proposals);
  }

  static Collaboration collaboration(SignedCollaboration s) {
    try {
      return Collaboration.parseFrom(s.getCollaboration());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void refused(Executable call, Status.Code status, int code) {
    StatusRuntimeException e =
        (StatusRuntimeException)
            org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, call);
    assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(status);
    assertThat(e.getTrailers().get(ERROR))
        .as(e.getStatus().toString())
        .isEqualTo(Integer.toString(code));
  }

  String state(String member, SignedCollaboration s) {
    return space.status(member, collaboration(s).getCollaborationId()).at("/state").asText();
  }

  int signedAtProposer(SignedCollaboration s) {
    int n = 0;
    for (var m :
        space.status("association", collaboration(s).getCollaborationId()).at("/members")) {
      n += m.at("/signed").asBoolean() ? 1 : 0;
    }
    return n;
  }

  @Test
  void aForgedCountersignatureIsRefused() throws Exception {
    SignedCollaboration p = propose();
    MemberSignature real =
        CollaborationSignatures.sign(p.getCollaboration().toByteArray(), credentials("oem-a"));
    byte[] sig = real.getSignature().toByteArray();
    sig[sig.length / 2] ^= 0x10;
    MemberSignature forged = real.toBuilder().setSignature(ByteString.copyFrom(sig)).build();
    refused(
        () ->
            as("oem-a", "association").countersign(message(p).setCountersignature(forged).build()),
        Status.Code.UNAUTHENTICATED,
        603);
    assertThat(signedAtProposer(p)).isEqualTo(1);
    // the genuine one still counts afterwards: the forgery took no slot
    CollaborationAck ack =
        as("oem-a", "association").countersign(message(p).setCountersignature(real).build());
    assertThat(ack.getState()).isEqualTo("SIGNING");
    assertThat(signedAtProposer(p)).isEqualTo(2);
  }

  @Test
  void aNonMemberCannotCountersignOrPropose() throws Exception {
    SignedCollaboration p = propose();
    NodeCredentials x = space.identity(outsider).credentials();
    MemberSignature own = CollaborationSignatures.sign(p.getCollaboration().toByteArray(), x);
    refused(
        () -> as(outsider, "association").countersign(message(p).setCountersignature(own).build()),
        Status.Code.PERMISSION_DENIED,
        231);
    refused(
        () -> as(outsider, "oem-a").propose(message(p).setProposal(p).build()),
        Status.Code.PERMISSION_DENIED,
        231);
    assertThat(signedAtProposer(p)).isEqualTo(1);
  }

  @Test
  void aMemberCannotChangeTheDocumentOrSpeakForTheProposer() throws Exception {
    SignedCollaboration p = propose();
    Collaboration changed = collaboration(p).toBuilder().setMaxUses(10_000).build();
    MemberSignature onChanged =
        CollaborationSignatures.sign(changed.toByteArray(), credentials("oem-a"));
    refused(
        () ->
            as("oem-a", "association")
                .countersign(message(p).setCountersignature(onChanged).build()),
        Status.Code.UNAUTHENTICATED,
        603);
    SignedCollaboration fake =
        CollaborationSignatures.assemble(changed.toByteArray(), changed, List.of(onChanged));
    refused(
        () -> as("oem-a", "oem-b").propose(message(p).setProposal(fake).build()),
        Status.Code.PERMISSION_DENIED,
        231);
    refused(
        () -> as("oem-a", "oem-b").distribute(message(p).setFinal(fake).build()),
        Status.Code.PERMISSION_DENIED,
        231);
    // the proposer's own key on a changed document under the same id: a conflict
    SignedCollaboration byProposer =
        CollaborationSignatures.assemble(
            changed.toByteArray(),
            changed,
            List.of(
                CollaborationSignatures.sign(changed.toByteArray(), credentials("association"))));
    refused(
        () -> as("association", "oem-b").propose(message(p).setProposal(byProposer).build()),
        Status.Code.ABORTED,
        420);
    assertThat(state("oem-b", p)).isEqualTo("PROPOSED");
    assertThat(space.signedDocument("oem-b", collaboration(p).getCollaborationId()))
        .isEqualTo(p.toByteArray());
  }

  @Test
  void malformedAndMisdirectedMessagesAreRefused() throws Exception {
    SignedCollaboration p = propose();
    MemberSignature real =
        CollaborationSignatures.sign(p.getCollaboration().toByteArray(), credentials("oem-a"));
    refused(
        () -> as("oem-a", "association").propose(message(p).setCountersignature(real).build()),
        Status.Code.FAILED_PRECONDITION,
        301);
    SignedCollaboration garbage =
        p.toBuilder().setCollaboration(ByteString.copyFromUtf8("not a document")).build();
    refused(
        () -> as("association", "oem-c").propose(unseen().setProposal(garbage).build()),
        Status.Code.FAILED_PRECONDITION,
        301);
    // under the id oem-c holds, any other proposal is refused before it is even read
    refused(
        () -> as("association", "oem-c").propose(message(p).setProposal(garbage).build()),
        Status.Code.ABORTED,
        420);
    Collaboration c = collaboration(p);
    Collaboration unsorted =
        c.toBuilder()
            .clearMembers()
            .addAllMembers(c.getMembersList().subList(1, c.getMembersCount()))
            .addMembers(c.getMembers(0))
            .build();
    SignedCollaboration noncanonical =
        CollaborationSignatures.assemble(unsorted.toByteArray(), c, List.of());
    refused(
        () -> as("association", "oem-c").propose(unseen().setProposal(noncanonical).build()),
        Status.Code.INVALID_ARGUMENT,
        233);
    refused(
        () ->
            as("oem-a", "association")
                .countersign(
                    CollaborationMessage.newBuilder()
                        .setCollaborationId("no such id")
                        .setCountersignature(real)
                        .build()),
        Status.Code.FAILED_PRECONDITION,
        301);
    assertThat(state("oem-c", p)).isEqualTo("PROPOSED");
  }

  @Test
  void replaysGetTheFirstReplyAndASecondDifferentAnswerIsRefused() throws Exception {
    SignedCollaboration p = propose();
    String id = collaboration(p).getCollaborationId();
    CliRunner.Result signed =
        CliRunner.run(
            "collaboration", "sign", "--config", space.configs.get("oem-a").toString(), "--id", id);
    assertThat(signed.exitCode()).as(signed.err()).isZero();
    SignedCollaboration held =
        CollaborationSignatures.parseSigned(space.signedDocument("oem-a", id));
    MemberSignature mine =
        held.getSignaturesList().stream()
            .filter(s -> s.getMember().equals("oem-a"))
            .findFirst()
            .orElseThrow();
    var before = space.status("association", id);
    CollaborationAck again =
        as("oem-a", "association").countersign(message(p).setCountersignature(mine).build());
    assertThat(again.getState()).isEqualTo("SIGNING");
    refused(
        () ->
            as("oem-a", "association")
                .countersign(
                    message(p)
                        .setRefusal(
                            CollaborationRefusal.newBuilder()
                                .setCode("REFUSED")
                                .addReasons("changed my mind"))
                        .build()),
        Status.Code.ABORTED,
        420);
    assertThat(space.status("association", id)).isEqualTo(before);
    CollaborationAck reproposed =
        as("association", "oem-b").propose(message(p).setProposal(p).build());
    assertThat(reproposed.getState()).isEqualTo("PROPOSED");
    assertThat(state("oem-b", p)).isEqualTo("PROPOSED");
  }

  @Test
  void eachStepIsAudited() throws Exception {
    SignedCollaboration p = propose();
    String id = collaboration(p).getCollaborationId();
    CliRunner.Result signed =
        CliRunner.run(
            "collaboration", "sign", "--config", space.configs.get("oem-b").toString(), "--id", id);
    assertThat(signed.exitCode()).as(signed.err()).isZero();
    SluiceNode association = nodes.get(0);
    assertThat(TestNodes.audited(association, EventType.COLLABORATION_PROPOSED))
        .anyMatch(d -> d.get("collaboration").asText().equals(id));
    assertThat(TestNodes.audited(association, EventType.COLLABORATION_SIGNED))
        .filteredOn(d -> d.get("collaboration").asText().equals(id))
        .extracting(d -> d.get("member").asText())
        .containsExactly("association", "oem-b");
    assertThat(TestNodes.audited(nodes.get(2), EventType.COLLABORATION_PROPOSED))
        .anyMatch(d -> d.get("collaboration").asText().equals(id));
  }

  @Test
  void anOperatorRefusesAfterReviewAndTheProposerIsTold() throws Exception {
    SignedCollaboration p = propose();
    String id = collaboration(p).getCollaborationId();
    CliRunner.Result refused =
        CliRunner.run(
            "collaboration",
            "refuse",
            "--config",
            space.configs.get("oem-c").toString(),
            "--id",
            id,
            "--reason",
            "not with these groups",
            "--json");
    assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(3);
    assertThat(state("association", p)).isEqualTo("REFUSED");
    assertThat(space.status("association", id).at("/reasons").toString())
        .contains("refused by the operator of oem-c: not with these groups");
    CliRunner.Result late =
        CliRunner.run(
            "collaboration", "sign", "--config", space.configs.get("oem-c").toString(), "--id", id);
    assertThat(late.exitCode()).isEqualTo(2);
  }

  @Test
  void onlyTheNodeItselfManagesItsCollaborations() {
    ManagedChannel c = space.channel(space.configs.get("oem-a"), "association");
    channels.add(c);
    refused(
        () ->
            CollaborationControlGrpc.newBlockingStub(c)
                .list(ListCollaborationsRequest.getDefaultInstance()),
        Status.Code.PERMISSION_DENIED,
        200);
  }
}
