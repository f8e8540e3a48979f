package io.sluice.collaboration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.SignedCollaboration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The collaboration protocol among five members in memory (the node tests run it over mTLS). */
class CollaborationProtocolTest {
  static final List<String> MEMBERS = List.of("association", "oem-a", "oem-b", "oem-c", "oem-d");
  static final List<String> OEMS = MEMBERS.subList(1, MEMBERS.size());

  @TempDir Path dir;
  CollaborationMesh mesh;

  @BeforeEach
  void setUp() {
    mesh = new CollaborationMesh(dir, MEMBERS);
  }

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  CollaborationManager proposer() {
    return mesh.member("association").manager;
  }

  @Test
  void everyMemberSignsAndAllHoldByteIdenticalDocuments() {
    Collaboration c = mesh.benchmark("bench-1", 5);
    StoredCollaboration proposed = proposer().propose(c, "t");
    assertThat(proposed.state()).isEqualTo(CollaborationState.SIGNING);
    for (String oem : OEMS) {
      assertThat(mesh.member(oem).get("bench-1").state()).isEqualTo(CollaborationState.PROPOSED);
      assertThatThrownBy(() -> mesh.member(oem).manager.requireInForce("bench-1"))
          .extracting(e -> ((SluiceException) e).code())
          .isEqualTo(ErrorCode.COLLABORATION_NOT_IN_FORCE);
    }
    for (String oem : OEMS) {
      mesh.member(oem).manager.sign("bench-1", null);
    }
    mesh.settle();
    byte[] reference = mesh.member("association").get("bench-1").signed();
    for (String m : MEMBERS) {
      StoredCollaboration s = mesh.member(m).get("bench-1");
      assertThat(s.state()).as(m).isEqualTo(CollaborationState.IN_FORCE);
      assertThat(s.signed()).as(m).isEqualTo(reference);
    }
    CollaborationSignatures.Check check =
        CollaborationSignatures.check(
            CollaborationSignatures.parseSigned(reference), mesh.trust, false);
    assertThat(check.complete()).as(check.problems().toString()).isTrue();
    assertThat(check.signed()).containsExactlyInAnyOrderElementsOf(MEMBERS);
    assertThat(check.collaboration()).isEqualTo(c);
    for (String m : MEMBERS) {
      assertThat(mesh.member(m).manager.requireInForce("bench-1")).isEqualTo(c);
    }
    mesh.clock.advance(Duration.ofDays(11));
    assertThatThrownBy(() -> mesh.member("oem-a").manager.requireInForce("bench-1"))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.COLLABORATION_NOT_IN_FORCE);
  }

  @Test
  void aMemberWhoseOfferDoesNotContainTheTermsRefusesWithTheReason() {
    // oem-c publishes a stricter offer than the terms the proposer put in the document
    mesh.member("oem-c")
        .offers
        .put(
            "warranty-claims/benchmark",
            mesh.oemOffer.replace(
                "\"sluice:minResultGroupSize\", \"operator\": \"gteq\", \"rightOperand\": 5",
                "\"sluice:minResultGroupSize\", \"operator\": \"gteq\", \"rightOperand\": 10"));
    StoredCollaboration proposed = proposer().propose(mesh.benchmark("bench-2", 5), "t");
    mesh.settle();
    StoredCollaboration atOemC = mesh.member("oem-c").get("bench-2");
    assertThat(atOemC.state()).isEqualTo(CollaborationState.REFUSED);
    assertThat(String.join("\n", atOemC.reasons()))
        .contains("not contained in offer 'benchmark'")
        .contains("minResultGroupSize");
    StoredCollaboration atProposer = mesh.member("association").get("bench-2");
    assertThat(atProposer.state()).isEqualTo(CollaborationState.REFUSED);
    assertThat(atProposer.reasons()).anyMatch(r -> r.contains("oem-c refused"));
    assertThat(atProposer.reasons()).anyMatch(r -> r.contains("minResultGroupSize"));
    // members that got the proposal before oem-c refused hold it REFUSED and cannot sign it; the
    // proposal to those after it was replaced by the abandonment, so they never held it
    assertThat(mesh.member("oem-a").get("bench-2").state()).isEqualTo(CollaborationState.REFUSED);
    assertThat(mesh.member("oem-d").store.find("bench-2")).isEmpty();
    for (String oem : List.of("oem-a", "oem-b")) {
      assertThat(mesh.member(oem).get("bench-2").state()).isEqualTo(CollaborationState.REFUSED);
      assertThatThrownBy(() -> mesh.member(oem).manager.sign("bench-2", null))
          .extracting(e -> ((SluiceException) e).code())
          .isEqualTo(ErrorCode.COLLABORATION_WRONG_STATE);
    }
    for (String m : MEMBERS) {
      assertThat(mesh.member(m).store.find("bench-2").map(StoredCollaboration::state))
          .isNotEqualTo(java.util.Optional.of(CollaborationState.IN_FORCE));
    }
    assertThat(proposed.state()).isNotEqualTo(CollaborationState.IN_FORCE);
  }

  @Test
  void termsThatDoNotPermitTheCollaborationAsSpecifiedAreRefused() {
    // the terms are the offer itself, but the collaboration releases groups of 3 (< 5)
    proposer().propose(mesh.benchmark("bench-3", 3), "t");
    mesh.settle();
    // the first member asked refuses; the proposer abandons it before asking the others
    StoredCollaboration s = mesh.member("oem-a").get("bench-3");
    assertThat(s.state()).isEqualTo(CollaborationState.REFUSED);
    assertThat(String.join("\n", s.reasons()))
        .contains("do not permit the collaboration")
        .contains("minResultGroupSize");
    for (String oem : OEMS.subList(1, OEMS.size())) {
      assertThat(mesh.member(oem).store.find("bench-3")).isEmpty();
    }
    assertThat(mesh.member("association").get("bench-3").state())
        .isEqualTo(CollaborationState.REFUSED);
  }

  @Test
  void theProposerRefusesToProposeWhatItsOwnOfferDoesNotCover() {
    mesh.member("oem-a").offers.clear();
    Collaboration c = mesh.benchmark("bench-own", 5).toBuilder().setProposer("oem-a").build();
    assertThatThrownBy(() -> mesh.member("oem-a").manager.propose(c, "t"))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.COLLABORATION_REFUSED);
    assertThat(mesh.member("oem-a").store.find("bench-own")).isEmpty();
  }

  @Test
  void replayingEveryRecordedMessageChangesNothing() {
    proposer().propose(mesh.benchmark("bench-4", 5), "t");
    OEMS.forEach(oem -> mesh.member(oem).manager.sign("bench-4", null));
    mesh.settle();
    List<CollaborationMesh.Exchange> recorded = new ArrayList<>(mesh.exchanges);
    assertThat(recorded).hasSizeGreaterThanOrEqualTo(3 * OEMS.size());
    List<Object> before = snapshot("bench-4");
    mesh.exchanges.clear();
    for (CollaborationMesh.Exchange e : recorded) {
      var to = mesh.member(e.to()).manager;
      var from = mesh.member(e.from()).credentials.identity();
      if (e.reply() != null) {
        assertThat(to.handle(from, e.message(), "replay")).isEqualTo(e.reply());
      } else {
        assertThatThrownBy(() -> to.handle(from, e.message(), "replay"))
            .extracting(x -> ((SluiceException) x).code())
            .isEqualTo(e.error());
      }
    }
    mesh.settle();
    assertThat(snapshot("bench-4")).isEqualTo(before);
  }

  /** What every member holds of a collaboration, versions included. */
  private List<Object> snapshot(String id) {
    List<Object> out = new ArrayList<>();
    for (String m : MEMBERS) {
      var member = mesh.member(m);
      out.add(member.get(id));
      out.add(member.store.outbox(id).size());
      out.add(member.store.signatures(id).stream().map(s -> s.getMember()).toList());
    }
    return out;
  }

  @Test
  void membersThatAreDownOrRestartCatchUpWithoutDuplicates() {
    proposer().propose(mesh.benchmark("bench-5", 5), "t");
    mesh.down.add("association");
    OEMS.forEach(oem -> mesh.member(oem).manager.sign("bench-5", null));
    for (String oem : OEMS) {
      assertThat(mesh.member(oem).store.outbox("bench-5")).hasSize(1);
      assertThat(mesh.member(oem).get("bench-5").state()).isEqualTo(CollaborationState.SIGNING);
    }
    mesh.tick();
    mesh.down.remove("association");
    mesh.down.add("oem-d");
    mesh.members.values().forEach(CollaborationMesh.Member::restart);
    mesh.tick();
    mesh.tick();
    assertThat(mesh.member("association").get("bench-5").state())
        .isEqualTo(CollaborationState.SIGNING);
    mesh.down.remove("oem-d");
    mesh.settle();
    byte[] reference = mesh.member("association").get("bench-5").signed();
    for (String m : MEMBERS) {
      assertThat(mesh.member(m).get("bench-5").state()).isEqualTo(CollaborationState.IN_FORCE);
      assertThat(mesh.member(m).get("bench-5").signed()).isEqualTo(reference);
    }
    assertThat(mesh.member("association").store.signatures("bench-5")).hasSize(MEMBERS.size());
    assertThat(CollaborationSignatures.parseSigned(reference).getSignaturesCount())
        .isEqualTo(MEMBERS.size());
  }

  @Test
  void whatIsNotSignedBeforeItsExpiryExpiresEverywhere() {
    proposer().propose(mesh.benchmark("bench-6", 5), "t");
    mesh.member("oem-a").manager.sign("bench-6", null);
    mesh.clock.advance(Duration.ofDays(11));
    mesh.tick();
    mesh.settle();
    for (String m : MEMBERS) {
      assertThat(mesh.member(m).get("bench-6").state()).as(m).isEqualTo(CollaborationState.EXPIRED);
    }
    assertThatThrownBy(() -> mesh.member("oem-b").manager.sign("bench-6", null))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.COLLABORATION_WRONG_STATE);
  }

  @Test
  void acceptableTermsTheDrawsExceedMakeTheOperatorsSignatureARefusal() {
    proposer().propose(mesh.benchmark("bench-7", 5), "t");
    String narrow = mesh.oemOffer.replace("\"rightOperand\": 1.0", "\"rightOperand\": 0.1");
    StoredCollaboration s = mesh.member("oem-a").manager.sign("bench-7", narrow);
    assertThat(s.state()).isEqualTo(CollaborationState.REFUSED);
    assertThat(String.join("\n", s.reasons())).contains("outside the acceptable terms");
    mesh.settle();
    assertThat(mesh.member("association").get("bench-7").state())
        .isEqualTo(CollaborationState.REFUSED);
    assertThat(mesh.member("oem-b").get("bench-7").state()).isEqualTo(CollaborationState.REFUSED);
  }

  @Test
  void anOperatorWhoRefusesAfterReviewEndsItEverywhere() {
    proposer().propose(mesh.benchmark("bench-9", 5), "t");
    mesh.member("oem-a").manager.sign("bench-9", null);
    // a member that signed has given its answer: it cannot take it back by refusing
    assertThatThrownBy(() -> mesh.member("oem-a").manager.refuse("bench-9", "second thoughts"))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.COLLABORATION_WRONG_STATE);
    StoredCollaboration refused = mesh.member("oem-b").manager.refuse("bench-9", "not this year");
    assertThat(refused.state()).isEqualTo(CollaborationState.REFUSED);
    mesh.settle();
    assertThat(mesh.member("association").get("bench-9").reasons())
        .anyMatch(r -> r.contains("refused by the operator of oem-b: not this year"));
    for (String m : MEMBERS) {
      assertThat(mesh.member(m).get("bench-9").state()).as(m).isEqualTo(CollaborationState.REFUSED);
    }
  }

  @Test
  void proposingTheSameDocumentAgainReturnsItAndAnotherDocumentUnderTheIdConflicts() {
    Collaboration c = mesh.benchmark("bench-8", 5);
    StoredCollaboration first = proposer().propose(c, "t");
    StoredCollaboration again = proposer().propose(c, "t");
    assertThat(again.signed()).isEqualTo(first.signed());
    Collaboration other = c.toBuilder().setMaxUses(13).build();
    assertThatThrownBy(() -> proposer().propose(other, "t"))
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.COLLABORATION_CONFLICT);
    SignedCollaboration held = CollaborationSignatures.parseSigned(first.signed());
    assertThat(held.getSignaturesCount()).isEqualTo(1);
  }
}
