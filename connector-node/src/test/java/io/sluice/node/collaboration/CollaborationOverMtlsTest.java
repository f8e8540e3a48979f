package io.sluice.node.collaboration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.sluice.collaboration.CollaborationSignatures;
import io.sluice.collaboration.JdbcCollaborationStore;
import io.sluice.fault.FaultPoints;
import io.sluice.identity.Authority;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.NodeProcess;
import io.sluice.proto.v1.CollaborationAck;
import io.sluice.proto.v1.CollaborationMessage;
import io.sluice.proto.v1.CollaborationServiceGrpc;
import io.sluice.proto.v1.MemberSignature;
import io.sluice.proto.v1.SignedCollaboration;
import io.sluice.store.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five node processes on real mTLS sockets: the association proposes a collaboration, four OEMs
 * review and countersign it — one of them is killed with SIGKILL right after it persisted its
 * countersignature and restarted — and all five end up holding byte-identical signed documents that
 * verify offline; every message of the run replayed changes nothing; and a collaboration whose
 * terms one OEM's offer does not contain is refused with the reason and never comes into force.
 */
class CollaborationOverMtlsTest {
  static final List<String> MEMBERS = List.of("association", "oem-a", "oem-b", "oem-c", "oem-d");
  static final List<String> OEMS = MEMBERS.subList(1, MEMBERS.size());
  static final List<String> JVM =
      List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  static final Duration START = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void fiveNodesComeIntoForceSurviveAKillIgnoreReplaysAndHonourARefusal() throws Exception {
    CollaborationSpace space = new CollaborationSpace(dir, MEMBERS);
    Map<String, NodeProcess> nodes = new HashMap<>();
    try {
      for (String m : MEMBERS) {
        Map<String, String> env =
            m.equals("oem-d")
                ? Map.of(FaultPoints.ENV, "collaboration.answer.persisted")
                : Map.of();
        nodes.put(m, NodeProcess.start(m, space.configs.get(m), JVM, env, START));
      }
      byte[] reference = signAndSurviveAKill(space, nodes);
      replayEverythingChangesNothing(space, reference);
      aMemberWhoseOfferDoesNotContainTheTermsRefuses(space);
    } finally {
      nodes.values().forEach(NodeProcess::close);
    }
    // stopped cleanly: no duplicate anywhere in the proposer's store
    try (Database db = Database.open("jdbc:sqlite:" + dir.resolve("association/data/node.db"))) {
      JdbcCollaborationStore store = new JdbcCollaborationStore(db);
      assertThat(store.signatures("bench-1")).hasSize(MEMBERS.size());
      assertThat(store.outbox("bench-1")).isEmpty();
      assertThat(store.list()).extracting(s -> s.id()).containsExactly("bench-1", "bench-2");
    }
  }

  private byte[] signAndSurviveAKill(CollaborationSpace space, Map<String, NodeProcess> nodes)
      throws Exception {
    Path file = space.collaborationFile("bench-1", MEMBERS, null);
    CliRunner.Result proposed =
        space.cli(
            "collaboration",
            "propose",
            "--config",
            space.configs.get("association").toString(),
            "--file",
            file.toString(),
            "--json");
    assertThat(proposed.exitCode()).as(proposed.out() + proposed.err()).isEqualTo(1);
    assertThat(CollaborationSpace.JSON.readTree(proposed.out()).at("/state").asText())
        .isEqualTo("SIGNING");
    for (String oem : OEMS) {
      assertThat(space.status(oem, "bench-1").at("/state").asText()).as(oem).isEqualTo("PROPOSED");
    }
    for (String oem : List.of("oem-a", "oem-b", "oem-c")) {
      CliRunner.Result signed = sign(space, oem, "bench-1");
      assertThat(signed.exitCode()).as(oem + signed.err()).isZero();
    }
    // oem-d freezes right after it stored its countersignature, before it could send it
    CompletableFuture<CliRunner.Result> frozen =
        CompletableFuture.supplyAsync(() -> sign(space, "oem-d", "bench-1"));
    assertThat(
            nodes
                .get("oem-d")
                .awaitOutput(FaultPoints.MARKER + "collaboration.answer.persisted", START))
        .isTrue();
    nodes.get("oem-d").kill();
    assertThat(frozen.get(60, TimeUnit.SECONDS).exitCode()).isNotZero();
    assertThat(space.status("association", "bench-1").at("/state").asText()).isEqualTo("SIGNING");
    nodes.put("oem-d", NodeProcess.start("oem-d", space.configs.get("oem-d"), JVM, START));

    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                MEMBERS.stream()
                    .allMatch(
                        m -> space.status(m, "bench-1").at("/state").asText().equals("IN_FORCE")));
    byte[] reference = space.signedDocument("association", "bench-1");
    SignedCollaboration signed = CollaborationSignatures.parseSigned(reference);
    assertThat(signed.getSignaturesList())
        .extracting(MemberSignature::getMember)
        .containsExactlyElementsOf(MEMBERS);
    for (String m : MEMBERS) {
      assertThat(space.signedDocument(m, "bench-1")).as(m).isEqualTo(reference);
    }
    CliRunner.Result verified =
        space.cli(
            "agreement",
            "verify",
            dir.resolve("oem-d-bench-1.signed").toString(),
            "--authority",
            space.ca.dir.resolve(Authority.CERT_FILE).toString(),
            "--crl",
            space.ca.dir.resolve(Authority.CRL_FILE).toString(),
            "--json");
    assertThat(verified.exitCode()).as(verified.out() + verified.err()).isZero();
    JsonNode result = CollaborationSpace.JSON.readTree(verified.out());
    assertThat(result.at("/valid").asBoolean()).isTrue();
    assertThat(result.at("/signatures").size()).isEqualTo(MEMBERS.size());
    return reference;
  }

  /**
   * Every message of the run, rebuilt from the final document (the proposal is the document with
   * the proposer's signature, each countersignature is a member's signature, the final is the
   * document), delivered again by its sender over mTLS: each gets the first reply, nothing moves.
   */
  private void replayEverythingChangesNothing(CollaborationSpace space, byte[] reference)
      throws Exception {
    SignedCollaboration fin = CollaborationSignatures.parseSigned(reference);
    Map<String, JsonNode> before = new HashMap<>();
    for (String m : MEMBERS) {
      before.put(m, space.status(m, "bench-1"));
    }
    SignedCollaboration proposal =
        fin.toBuilder().clearSignatures().addSignatures(fin.getSignatures(0)).build();
    List<CollaborationAck> acks = new ArrayList<>();
    for (String oem : OEMS) {
      ManagedChannel asProposer = space.channel(space.configs.get("association"), oem);
      try {
        var stub =
            CollaborationServiceGrpc.newBlockingStub(asProposer)
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        acks.add(stub.propose(message().setProposal(proposal).build()));
        acks.add(stub.distribute(message().setFinal(fin).build()));
      } finally {
        asProposer.shutdownNow();
      }
      ManagedChannel asMember = space.channel(space.configs.get(oem), "association");
      try {
        MemberSignature mine =
            fin.getSignaturesList().stream()
                .filter(s -> s.getMember().equals(oem))
                .findFirst()
                .orElseThrow();
        acks.add(
            CollaborationServiceGrpc.newBlockingStub(asMember)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .countersign(message().setCountersignature(mine).build()));
      } finally {
        asMember.shutdownNow();
      }
    }
    // the first replies: each member stored the proposal (PROPOSED), then came into force
    assertThat(acks)
        .extracting(CollaborationAck::getState)
        .containsOnly("PROPOSED", "IN_FORCE", "SIGNING");
    for (String m : MEMBERS) {
      assertThat(space.status(m, "bench-1")).as(m).isEqualTo(before.get(m));
      assertThat(space.signedDocument(m, "bench-1")).isEqualTo(reference);
    }
  }

  private void aMemberWhoseOfferDoesNotContainTheTermsRefuses(CollaborationSpace space)
      throws Exception {
    Path file = space.collaborationFile("bench-2", MEMBERS, "oem-b");
    CliRunner.Result proposed =
        space.cli(
            "collaboration",
            "propose",
            "--config",
            space.configs.get("association").toString(),
            "--file",
            file.toString(),
            "--json");
    assertThat(proposed.exitCode()).as(proposed.out() + proposed.err()).isEqualTo(3);
    JsonNode atProposer = CollaborationSpace.JSON.readTree(proposed.out());
    assertThat(atProposer.at("/state").asText()).isEqualTo("REFUSED");
    String reasons = atProposer.at("/reasons").toString();
    assertThat(reasons).contains("oem-b refused").contains("not contained in offer 'strict'");
    assertThat(reasons).contains("minResultGroupSize");
    JsonNode atOemB = space.status("oem-b", "bench-2");
    assertThat(atOemB.at("/state").asText()).isEqualTo("REFUSED");
    assertThat(atOemB.at("/reasons").toString()).contains("not contained in offer 'strict'");
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> space.status("oem-a", "bench-2").at("/state").asText().equals("REFUSED"));
    CliRunner.Result late = sign(space, "oem-a", "bench-2");
    assertThat(late.exitCode()).isEqualTo(2);
    assertThat(late.err()).contains("REFUSED");
    for (String oem : List.of("oem-c", "oem-d")) {
      // the proposal never reached them: it was abandoned first
      assertThat(space.status(oem, "bench-2").at("/state").asText()).isNotEqualTo("IN_FORCE");
    }
  }

  private static CliRunner.Result sign(CollaborationSpace space, String member, String id) {
    return space.cli(
        "collaboration",
        "sign",
        "--config",
        space.configs.get(member).toString(),
        "--id",
        id,
        "--json");
  }

  private static CollaborationMessage.Builder message() {
    return CollaborationMessage.newBuilder().setCollaborationId("bench-1");
  }
}
