package io.sluice.collaboration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.PeerIdentity;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.CollaborationMessage;
import io.sluice.proto.v1.MemberSignature;
import io.sluice.proto.v1.SignedCollaboration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages no honest member sends, handed straight to a member's manager: each is refused with its
 * code and changes nothing, and the honest protocol still completes afterwards.
 */
class CollaborationHostileMessagesTest {
  @TempDir Path dir;
  CollaborationMesh mesh;
  Collaboration c;
  byte[] document;

  @BeforeEach
  void setUp() {
    mesh = new CollaborationMesh(dir, CollaborationProtocolTest.MEMBERS);
    c = mesh.benchmark("bench", 5);
    document = c.toByteArray();
    mesh.member("association").manager.propose(c, "t");
  }

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  private PeerIdentity as(String member) {
    return mesh.member(member).credentials.identity();
  }

  private static CollaborationMessage countersignature(MemberSignature s) {
    return CollaborationMessage.newBuilder()
        .setCollaborationId("bench")
        .setCountersignature(s)
        .build();
  }

  private void refused(ThrowingCallable call, ErrorCode code) {
    long version = mesh.member("association").get("bench").version();
    assertThatThrownBy(call)
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(code);
    assertThat(mesh.member("association").get("bench").version()).isEqualTo(version);
  }

  private void honestRunStillCompletes() {
    CollaborationProtocolTest.OEMS.forEach(o -> mesh.member(o).manager.sign("bench", null));
    mesh.settle();
    for (String m : CollaborationProtocolTest.MEMBERS) {
      assertThat(mesh.member(m).get("bench").state()).isEqualTo(CollaborationState.IN_FORCE);
    }
  }

  @Test
  void aForgedSignatureIsRefused() {
    MemberSignature real = CollaborationSignatures.sign(document, mesh.member("oem-a").credentials);
    byte[] forged = real.getSignature().toByteArray();
    forged[forged.length - 1] ^= 1;
    MemberSignature bad = real.toBuilder().setSignature(ByteString.copyFrom(forged)).build();
    refused(
        () -> mesh.member("association").manager.handle(as("oem-a"), countersignature(bad), "x"),
        ErrorCode.COLLABORATION_SIGNATURE_INVALID);
    honestRunStillCompletes();
  }

  @Test
  void aNonMemberCountersigningIsRefused() {
    NodeCredentials intruder =
        mesh.ca.issue("oem-x", List.of("automotive-oem"), Map.of()).credentials(mesh.trust);
    MemberSignature s = CollaborationSignatures.sign(document, intruder);
    refused(
        () ->
            mesh.member("association")
                .manager
                .handle(intruder.identity(), countersignature(s), "x"),
        ErrorCode.NOT_A_MEMBER);
    honestRunStillCompletes();
  }

  @Test
  void aMemberCannotSignAChangedDocumentOrSendAnotherMembersSignature() {
    byte[] changed = c.toBuilder().setMaxUses(1000).build().toByteArray();
    MemberSignature onChanged =
        CollaborationSignatures.sign(changed, mesh.member("oem-a").credentials);
    refused(
        () ->
            mesh.member("association")
                .manager
                .handle(as("oem-a"), countersignature(onChanged), "x"),
        ErrorCode.COLLABORATION_SIGNATURE_INVALID);
    MemberSignature ofB = CollaborationSignatures.sign(document, mesh.member("oem-b").credentials);
    refused(
        () -> mesh.member("association").manager.handle(as("oem-a"), countersignature(ofB), "x"),
        ErrorCode.COLLABORATION_SIGNATURE_INVALID);
    honestRunStillCompletes();
  }

  @Test
  void aMemberCannotProposeOrDistributeInTheProposersName() {
    Collaboration changed = c.toBuilder().setMaxUses(1000).build();
    SignedCollaboration fake =
        CollaborationSignatures.assemble(
            changed.toByteArray(),
            changed,
            List.of(
                CollaborationSignatures.sign(
                    changed.toByteArray(), mesh.member("oem-a").credentials)));
    CollaborationMessage proposal =
        CollaborationMessage.newBuilder().setCollaborationId("bench").setProposal(fake).build();
    assertThatThrownBy(() -> mesh.member("oem-b").manager.handle(as("oem-a"), proposal, "x"))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.NOT_A_MEMBER);
    CollaborationMessage fin =
        CollaborationMessage.newBuilder().setCollaborationId("bench").setFinal(fake).build();
    assertThatThrownBy(() -> mesh.member("oem-b").manager.handle(as("oem-a"), fin, "x"))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.NOT_A_MEMBER);
    assertThat(mesh.member("oem-b").get("bench").state()).isEqualTo(CollaborationState.PROPOSED);
    honestRunStillCompletes();
  }

  @Test
  void aFinalDocumentThatDiffersOrLacksASignatureIsRefused() {
    mesh.member("oem-a").manager.sign("bench", null);
    SignedCollaboration partial =
        CollaborationSignatures.parseSigned(mesh.member("association").get("bench").signed());
    assertThat(partial.getSignaturesCount()).isEqualTo(2);
    CollaborationMessage early =
        CollaborationMessage.newBuilder().setCollaborationId("bench").setFinal(partial).build();
    assertThatThrownBy(() -> mesh.member("oem-a").manager.handle(as("association"), early, "x"))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.COLLABORATION_SIGNATURE_INVALID);
    Collaboration changed = c.toBuilder().setMaxUses(1000).build();
    CollaborationMessage other =
        CollaborationMessage.newBuilder()
            .setCollaborationId("bench")
            .setFinal(partial.toBuilder().setCollaboration(changed.toByteString()))
            .build();
    assertThatThrownBy(() -> mesh.member("oem-a").manager.handle(as("association"), other, "x"))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.COLLABORATION_CONFLICT);
    assertThat(mesh.member("oem-a").get("bench").state()).isEqualTo(CollaborationState.SIGNING);
    honestRunStillCompletes();
  }

  @Test
  void aCountersignatureReplayedOntoAnotherCollaborationIsRefused() {
    Collaboration second = mesh.benchmark("bench-b", 5);
    mesh.member("association").manager.propose(second, "t");
    MemberSignature forFirst =
        CollaborationSignatures.sign(document, mesh.member("oem-a").credentials);
    CollaborationMessage replayed =
        CollaborationMessage.newBuilder()
            .setCollaborationId("bench-b")
            .setCountersignature(forFirst)
            .build();
    assertThatThrownBy(() -> mesh.member("association").manager.handle(as("oem-a"), replayed, "x"))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.COLLABORATION_SIGNATURE_INVALID);
    assertThat(mesh.member("association").store.signatures("bench-b")).hasSize(1);
    honestRunStillCompletes();
  }

  @Test
  void aSecondDifferentAnswerFromTheSameMemberIsRefusedAndChangesNothing() {
    mesh.member("oem-a").manager.sign("bench", null);
    CollaborationMessage refusal =
        CollaborationMessage.newBuilder()
            .setCollaborationId("bench")
            .setRefusal(
                io.sluice.proto.v1.CollaborationRefusal.newBuilder()
                    .setCode("REFUSED")
                    .addReasons("changed my mind"))
            .build();
    refused(
        () -> mesh.member("association").manager.handle(as("oem-a"), refusal, "x"),
        ErrorCode.COLLABORATION_CONFLICT);
    assertThat(mesh.member("association").get("bench").state())
        .isEqualTo(CollaborationState.SIGNING);
    honestRunStillCompletes();
  }
}
