package io.sluice.node.negotiation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.sluice.identity.TestAuthority;
import io.sluice.negotiation.JdbcNegotiationStore;
import io.sluice.negotiation.Negotiation;
import io.sluice.negotiation.NegotiationListener;
import io.sluice.negotiation.NegotiationManager;
import io.sluice.negotiation.NegotiationState;
import io.sluice.negotiation.OdrlPolicyJudge;
import io.sluice.negotiation.RetryPolicy;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.grpc.GrpcNegotiationTransport;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.proto.v1.NegotiationMessage;
import io.sluice.proto.v1.SignedAgreement;
import io.sluice.store.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Negotiation between node processes' code over real mTLS sockets, with the real policy engine: the
 * fund publishes the claims-matching offer; the insurer negotiates through the CLI.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NegotiationOverMtlsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  Path dir;
  TestAuthority ca;
  SluiceNode fund;
  SluiceNode insurer;
  SluiceNode oem;
  Path insurerConfig;
  Path oemConfig;
  String offer;

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("sluice-negotiation-");
    ca = TestAuthority.create(dir.resolve("ca"), "health");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    int oemPort = DemoSpace.freePort();
    Path fundDir = dir.resolve("fund");
    Files.createDirectories(fundDir.resolve("policies"));
    Files.writeString(
        fundDir.resolve("settlements.csv"),
        "person_id,visit_date,settled_amount\nA1,2026-01-02,100.50\nB2,2026-01-03,80.00\n");
    offer = offer("2027-12-31T23:59:59Z");
    Files.writeString(fundDir.resolve("policies/claims.json"), offer);
    Files.writeString(fundDir.resolve("policies/expired.json"), offer("2020-01-01T00:00:00Z"));
    String datasets =
        """
        datasets:
          - id: settlements
            title: Settled claims 2026
            source: settlements.csv
            offers:
              - id: claims-matching
                policy: policies/claims.json
          - id: old-settlements
            source: settlements.csv
            offers:
              - id: expired
                policy: policies/expired.json
        """;
    Path fundConfig =
        TestNodes.provision(
            ca,
            dir,
            "fund",
            List.of("medical-insurance-fund"),
            null,
            fundPort,
            Map.of("insurer-a", insurerPort, "oem", oemPort),
            datasets);
    insurerConfig =
        TestNodes.provision(
            ca,
            dir,
            "insurer-a",
            List.of("commercial-insurer"),
            null,
            insurerPort,
            Map.of("fund", fundPort),
            "");
    oemConfig =
        TestNodes.provision(
            ca, dir, "oem", List.of("automotive-oem"), null, oemPort, Map.of("fund", fundPort), "");
    fund = TestNodes.start(fundConfig);
    insurer = TestNodes.start(insurerConfig);
    oem = TestNodes.start(oemConfig);
  }

  @AfterAll
  void stop() {
    for (SluiceNode n : new SluiceNode[] {oem, insurer, fund}) {
      if (n != null) {
        n.close();
      }
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }

  static String offer(String until) {
    return TestNodes.claimsOffer("sluice://health/fund", "urn:sluice:dataset:settlements", until);
  }

  static String withCount(String policy, int count) throws IOException {
    ObjectNode root = (ObjectNode) JSON.readTree(policy);
    for (JsonNode c : root.get("permission").get(0).get("constraint")) {
      if (c.get("leftOperand").asText().equals("count")) {
        ((ObjectNode) c).put("rightOperand", count);
      }
    }
    return JSON.writeValueAsString(root);
  }

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    return p;
  }

  @Test
  void catalogShowsTheOfferOnlyToQualifyingClaims() {
    CliRunner.Result asInsurer =
        CliRunner.run("catalog", "--config", insurerConfig.toString(), "--peer", "fund", "--json");
    assertThat(asInsurer.exitCode()).as(asInsurer.err()).isZero();
    assertThat(asInsurer.out())
        .contains("\"id\" : \"settlements\"")
        .contains("\"rows\" : 2")
        .contains("\"id\" : \"claims-matching\"")
        .contains("person_id");
    CliRunner.Result asOem =
        CliRunner.run("catalog", "--config", oemConfig.toString(), "--peer", "fund");
    assertThat(asOem.exitCode()).as(asOem.err()).isZero();
    assertThat(asOem.out())
        .contains("dataset settlements")
        .contains("(no offer for you)")
        .doesNotContain("offer claims-matching");
  }

  @Test
  void insurerGetsAnAgreementSignedByBothAndIdenticalOnBothNodes() {
    CliRunner.Result r =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            insurerConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "settlements",
            "--purpose",
            "claims-settlement",
            "--json");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("\"state\" : \"FINALIZED\"")
        .contains("\"providerSignatureValid\" : true")
        .contains("\"consumerSignatureValid\" : true");
    Negotiation mine =
        insurer.negotiations().list().stream()
            .filter(n -> n.state() == NegotiationState.FINALIZED)
            .findFirst()
            .orElseThrow();
    var stored = insurer.negotiationStore().agreement(mine.agreementId()).orElseThrow();
    var theirs = fund.negotiationStore().agreement(mine.agreementId()).orElseThrow();
    assertThat(stored.signedAgreement()).isEqualTo(theirs.signedAgreement());
    assertThat(theirs.finalized()).isTrue();

    CliRunner.Result shown =
        CliRunner.run("contract", "show", mine.agreementId(), "--config", insurerConfig.toString());
    assertThat(shown.exitCode()).as(shown.err()).isZero();
    assertThat(shown.out())
        .contains("provider  fund   signature valid")
        .contains("consumer  insurer-a   signature valid")
        .contains("claims-settlement");
    CliRunner.Result list = CliRunner.run("contract", "list", "--config", insurerConfig.toString());
    assertThat(list.out()).contains(mine.agreementId());
  }

  @Test
  void counterOfferWithinTheAcceptableTermsEndsInANarrowerAgreement() throws IOException {
    Path wider = write("wider.json", withCount(offer, 50));
    CliRunner.Result r =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            insurerConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "settlements",
            "--purpose",
            "claims-settlement",
            "--policy",
            wider.toString(),
            "--accept",
            wider.toString(),
            "--json");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    JsonNode out = JSON.readTree(r.out());
    assertThat(out.at("/negotiation/state").asText()).isEqualTo("FINALIZED");
    assertThat(out.at("/agreement/policy").toString()).contains("\"rightOperand\":30");
  }

  @Test
  void refusalsNameTheReasonToTheConsumer() throws IOException {
    CliRunner.Result wrongRole =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            oemConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "settlements",
            "--offer",
            "claims-matching",
            "--policy",
            write("as-published.json", offer).toString(),
            "--purpose",
            "claims-settlement");
    assertThat(wrongRole.exitCode()).isEqualTo(3);
    assertThat(wrongRole.out())
        .contains("TERMINATED")
        .contains("sluice:participant.role")
        .contains("commercial-insurer");

    CliRunner.Result expired =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            insurerConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "old-settlements",
            "--offer",
            "expired",
            "--policy",
            write("expired.json", offer("2020-01-01T00:00:00Z")).toString(),
            "--purpose",
            "claims-settlement");
    assertThat(expired.exitCode()).isEqualTo(3);
    assertThat(expired.out()).contains("TERMINATED").contains("dateTime");

    CliRunner.Result wider =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            insurerConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "settlements",
            "--policy",
            write("wider-no-accept.json", withCount(offer, 50)).toString(),
            "--purpose",
            "claims-settlement");
    assertThat(wider.exitCode()).isEqualTo(3);
    assertThat(wider.out())
        .contains("TERMINATED")
        .contains("counter-offer declined")
        .contains("count");
  }

  /**
   * A consumer-side manager over the insurer's own credentials and a real socket, with a hook on
   * the wire.
   */
  private NegotiationManager consumerWith(
      Path storeDir, UnaryOperator<NegotiationMessage> tamper, List<NegotiationMessage[]> wire) {
    var identity = io.sluice.node.NodeIdentity.load(insurer.config(), Map.of(), Clock.systemUTC());
    PeerChannels channels = insurer.peers();
    GrpcNegotiationTransport grpc = new GrpcNegotiationTransport(channels, 10_000);
    Database db = Database.open("jdbc:sqlite:" + storeDir.resolve("consumer.db"));
    return new NegotiationManager(
        identity.credentials(),
        identity.trust(),
        new JdbcNegotiationStore(db),
        (to, m, t) -> {
          NegotiationMessage sent = tamper.apply(m);
          NegotiationMessage reply = grpc.deliver(to, sent, t);
          wire.add(new NegotiationMessage[] {sent, reply});
          return reply;
        },
        new OdrlPolicyJudge(),
        (d, o) -> Optional.empty(),
        NegotiationListener.NONE,
        Clock.systemUTC(),
        RetryPolicy.DEFAULTS,
        new java.util.Random(1));
  }

  @Test
  void replayingEveryMessageOverTheWireChangesNothing() {
    List<NegotiationMessage[]> wire = new ArrayList<>();
    NegotiationManager consumer = consumerWith(dir.resolve("replay"), m -> m, wire);
    Negotiation n =
        consumer.request(
            new NegotiationManager.ConsumerRequest(
                "fund",
                "settlements",
                "claims-matching",
                "claims-settlement",
                offer,
                "",
                "replay-trace"));
    assertThat(n.state()).isEqualTo(NegotiationState.FINALIZED);
    long agreementsBefore = fund.negotiationStore().agreements().size();
    var providerSide =
        fund.negotiationStore().list().stream()
            .filter(x -> x.traceId().equals("replay-trace"))
            .findFirst()
            .orElseThrow();
    GrpcNegotiationTransport grpc = new GrpcNegotiationTransport(insurer.peers(), 10_000);
    for (NegotiationMessage[] exchange : wire) {
      assertThat(grpc.deliver("fund", exchange[0], "replay-trace")).isEqualTo(exchange[1]);
    }
    var after = fund.negotiationStore().find(providerSide.id()).orElseThrow();
    assertThat(after.version()).isEqualTo(providerSide.version());
    assertThat(fund.negotiationStore().agreements()).hasSize((int) agreementsBefore);
  }

  @Test
  void tamperedCountersignatureIsRefusedByTheProvider() {
    List<NegotiationMessage[]> wire = new ArrayList<>();
    NegotiationManager consumer =
        consumerWith(
            dir.resolve("tamper"),
            m -> {
              if (!m.hasVerification()) {
                return m;
              }
              SignedAgreement s = m.getVerification().getAgreement();
              byte[] bytes = s.getAgreement().toByteArray();
              bytes[10] ^= 1;
              return m.toBuilder()
                  .setVerification(
                      m.getVerification().toBuilder()
                          .setAgreement(s.toBuilder().setAgreement(ByteString.copyFrom(bytes))))
                  .build();
            },
            wire);
    Negotiation n =
        consumer.request(
            new NegotiationManager.ConsumerRequest(
                "fund",
                "settlements",
                "claims-matching",
                "claims-settlement",
                offer,
                "",
                "tamper-trace"));
    assertThat(n.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(n.reasons()).anyMatch(r -> r.contains("fund refused verification"));
    var providerSide =
        fund.negotiationStore().list().stream()
            .filter(x -> x.traceId().equals("tamper-trace"))
            .findFirst()
            .orElseThrow();
    assertThat(providerSide.state()).isNotEqualTo(NegotiationState.FINALIZED);
    assertThat(
            fund.negotiationStore().agreement(providerSide.agreementId()).orElseThrow().finalized())
        .isFalse();
  }

  @Test
  void aRepeatedRequestIdReturnsTheSameNegotiationAndShowFindsIt() throws IOException {
    String[] request = {
      "contract",
      "request",
      "--config",
      insurerConfig.toString(),
      "--peer",
      "fund",
      "--dataset",
      "settlements",
      "--purpose",
      "claims-settlement",
      "--request-id",
      "claims-2026-q1",
      "--json"
    };
    CliRunner.Result first = CliRunner.run(request);
    assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
    int agreements = fund.negotiationStore().agreements().size();
    CliRunner.Result again = CliRunner.run(request);
    assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
    JsonNode a = JSON.readTree(first.out());
    JsonNode b = JSON.readTree(again.out());
    assertThat(b.at("/negotiation/negotiationId")).isEqualTo(a.at("/negotiation/negotiationId"));
    assertThat(b.at("/agreement/agreementId")).isEqualTo(a.at("/agreement/agreementId"));
    assertThat(b.at("/requestId").asText()).isEqualTo("claims-2026-q1");
    assertThat(fund.negotiationStore().agreements()).hasSize(agreements);

    CliRunner.Result shown =
        CliRunner.run("contract", "show", "claims-2026-q1", "--config", insurerConfig.toString());
    assertThat(shown.exitCode()).as(shown.err()).isZero();
    assertThat(shown.out())
        .contains(a.at("/negotiation/negotiationId").asText())
        .contains("request   claims-2026-q1")
        .contains("state     FINALIZED");
  }

  @Test
  void aRequestIdIsForOneRequestOnlyAndMustBeSafeToPrint() {
    CliRunner.Result first =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            insurerConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "settlements",
            "--purpose",
            "claims-settlement",
            "--request-id",
            "once");
    assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
    CliRunner.Result other =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            insurerConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "settlements",
            "--purpose",
            "research",
            "--request-id",
            "once");
    assertThat(other.exitCode()).isEqualTo(2);
    assertThat(other.err()).contains("request id once was used for a different request");

    CliRunner.Result bad =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            insurerConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "settlements",
            "--purpose",
            "claims-settlement",
            "--request-id",
            "a b");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("a request id is 1 to 128 of");
  }

  @Test
  void withoutARequestIdTheCliChoosesOneAndPrintsIt() throws IOException {
    CliRunner.Result r =
        CliRunner.run(
            "contract",
            "request",
            "--config",
            insurerConfig.toString(),
            "--peer",
            "fund",
            "--dataset",
            "settlements",
            "--purpose",
            "claims-settlement",
            "--json");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    String id = JSON.readTree(r.out()).at("/requestId").asText();
    assertThat(id).matches("[0-9a-f-]{36}");
    CliRunner.Result shown =
        CliRunner.run("contract", "show", id, "--config", insurerConfig.toString(), "--json");
    assertThat(JSON.readTree(shown.out()).at("/negotiation/state").asText()).isEqualTo("FINALIZED");
  }

  @Test
  void onlyTheNodeItselfMayManageItsContracts() {
    // the OEM's certificate is valid in the space, but it is not the insurer
    var oemIdentity = io.sluice.node.NodeIdentity.load(oem.config(), Map.of(), Clock.systemUTC());
    try (PeerChannels channels =
        new PeerChannels(oemIdentity.credentials(), oemIdentity.trust(), Map.of(), 1 << 20)) {
      var channel =
          channels.open("insurer-a", new PeerChannels.Address("127.0.0.1", insurer.port()));
      try {
        assertThatThrownBy(
                () ->
                    io.sluice.proto.v1.ContractServiceGrpc.newBlockingStub(channel)
                        .list(io.sluice.proto.v1.ListContractsRequest.getDefaultInstance()))
            .hasMessageContaining("PERMISSION_DENIED");
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
