package io.sluice.node.negotiation;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.identity.TestAuthority;
import io.sluice.negotiation.JdbcNegotiationStore;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.negotiation.StoreComparison;
import io.sluice.node.NodeIdentity;
import io.sluice.node.TestNodes;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.demo.NodeProcess;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.proto.v1.ContractDetails;
import io.sluice.proto.v1.ContractServiceGrpc;
import io.sluice.proto.v1.ListContractsRequest;
import io.sluice.proto.v1.NegotiationSummary;
import io.sluice.proto.v1.RequestContractRequest;
import io.sluice.proto.v1.ShowContractRequest;
import io.sluice.store.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The measurement as a test: 16 clients negotiate through the insurer's node with the
 * fund's node, each request with its own request id, while first the fund (provider) and then the
 * insurer (consumer) is killed with SIGKILL and restarted. A client whose call fails because its
 * node died asks again with the same request id until the node is back. Afterwards every request id
 * started exactly one negotiation, and both stores agree on every negotiation ({@link
 * StoreComparison}). Subclasses run it with both nodes on SQLite and on PostgreSQL.
 */
abstract class NegotiationStormContractTest {
  static final List<String> JVM =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  static final int CLIENTS = 16;
  static final int REQUESTS = 96;

  /** Negotiations the insurer must have under way when a node is killed. */
  static final int IN_FLIGHT = 6;

  /** Retries that outlast a restart (seconds here) without long back-offs. */
  static final String RETRIES =
      "negotiation: {retryInitialMillis: 100, retryMaxMillis: 1000, retryWindowSeconds: 120,"
          + " agreedTimeoutSeconds: 240}\n";

  @TempDir Path dir;

  abstract TestDatabases.Store fundStore();

  abstract TestDatabases.Store insurerStore();

  /** What the clients saw, for the figures the test prints. */
  final AtomicInteger started = new AtomicInteger();

  final AtomicInteger done = new AtomicInteger();

  final AtomicInteger refusedCalls = new AtomicInteger();
  final AtomicInteger notFinalAnswers = new AtomicInteger();
  final Map<String, String> negotiationOf = new ConcurrentHashMap<>();

  /** Request ids whose Request call failed with the node at least once. */
  final java.util.Set<String> lostAnswers = ConcurrentHashMap.newKeySet();

  final Map<String, Long> killedAt = new ConcurrentHashMap<>();
  String offer;

  @Test
  void killingEitherNodeMidStormLeavesBothStoresAgreeingOnEveryNegotiation() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    int fundPort = DemoSpace.freePort();
    int insurerPort = DemoSpace.freePort();
    Files.createDirectories(dir.resolve("fund"));
    Files.writeString(dir.resolve("fund/settlements.csv"), "person_id,settled_amount\nA1,100.50\n");
    offer =
        TestNodes.claimsOffer(
            "sluice://health/fund", "urn:sluice:dataset:settlements", "2027-12-31T23:59:59Z");
    Files.writeString(dir.resolve("fund/claims.json"), offer);
    Path fundConfig =
        TestNodes.provision(
            ca,
            dir,
            "fund",
            List.of("medical-insurance-fund"),
            null,
            fundPort,
            Map.of("insurer-a", insurerPort),
            "store: "
                + fundStore().url()
                + "\n"
                + RETRIES
                + "datasets:\n  - id: settlements\n    source: settlements.csv\n    offers:\n"
                + "      - id: claims-matching\n        policy: claims.json\n");
    Path insurerConfig =
        TestNodes.provision(
            ca,
            dir,
            "insurer-a",
            List.of("commercial-insurer"),
            null,
            insurerPort,
            Map.of("fund", fundPort),
            "store: " + insurerStore().url() + "\n" + RETRIES);
    Map<String, Path> configs = Map.of("fund", fundConfig, "insurer-a", insurerConfig);
    Map<String, NodeProcess> nodes = new HashMap<>();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    NodeIdentity insurer =
        NodeIdentity.load(NodeConfigLoader.load(insurerConfig), Map.of(), Clock.systemUTC());
    NodeIdentity fund =
        NodeIdentity.load(NodeConfigLoader.load(fundConfig), Map.of(), Clock.systemUTC());
    try (PeerChannels asInsurer =
            new PeerChannels(insurer.credentials(), insurer.trust(), Map.of(), 8 << 20);
        PeerChannels asFund =
            new PeerChannels(fund.credentials(), fund.trust(), Map.of(), 8 << 20)) {
      ManagedChannel toInsurer =
          asInsurer.open("insurer-a", new PeerChannels.Address("127.0.0.1", insurerPort));
      ManagedChannel toFund = asFund.open("fund", new PeerChannels.Address("127.0.0.1", fundPort));
      nodes.put("fund", start("fund", configs));
      nodes.put("insurer-a", start("insurer-a", configs));
      List<Future<?>> storm = new ArrayList<>();
      AtomicInteger next = new AtomicInteger();
      for (int c = 0; c < CLIENTS; c++) {
        storm.add(clients.submit(() -> client(toInsurer, next)));
      }
      killMidStorm(nodes, configs, toInsurer, "fund", REQUESTS / 4);
      killMidStorm(nodes, configs, toInsurer, "insurer-a", REQUESTS * 5 / 8);
      for (Future<?> f : storm) {
        f.get(180, TimeUnit.SECONDS);
      }
      awaitSettled(toInsurer, toFund);
      toInsurer.shutdownNow();
      toFund.shutdownNow();
      nodes.values().forEach(NodeProcess::stop);

      NegotiationStore consumer = new JdbcNegotiationStore(insurerStore().open());
      NegotiationStore provider = new JdbcNegotiationStore(fundStore().open());
      StoreComparison.Result result =
          StoreComparison.compare(consumer, "insurer-a", provider, "fund");
      long startedBeforeTheKill =
          lostAnswers.stream()
              .filter(
                  id ->
                      consumer.clientRequest(id).orElseThrow().createdMs()
                          < killedAt.get("insurer-a"))
              .count();
      System.out.printf(
          "negotiation storm (%s): %d requests by %d clients; the fund killed with %d of the"
              + " insurer's negotiations unfinished (%d of its own), the insurer with %d; %d clients lost their"
              + " answer with the insurer and asked again by request id (%d calls), and for %d of"
              + " them the node had started the negotiation before it died; %d answers were not"
              + " final yet (the clients then asked by id); %s%n",
          fundStore().dialect(),
          REQUESTS,
          CLIENTS,
          unfinishedAtKill(consumer, "fund"),
          unfinishedAtKill(provider, "fund"),
          unfinishedAtKill(consumer, "insurer-a"),
          lostAnswers.size(),
          refusedCalls.get(),
          startedBeforeTheKill,
          notFinalAnswers.get(),
          result);
      assertThat(result.disagreements()).isEmpty();
      assertThat(result.negotiations())
          .as("every request id started exactly one negotiation")
          .isEqualTo(REQUESTS);
      for (int i = 0; i < REQUESTS; i++) {
        String requestId = "storm-" + i;
        assertThat(consumer.clientRequest(requestId))
            .map(NegotiationStore.ClientRequest::negotiationId)
            .contains(negotiationOf.get(requestId));
      }
      assertThat(lostAnswers).as("the insurer's kill cost some clients their answer").isNotEmpty();
    } finally {
      clients.shutdownNow();
      nodes.values().forEach(NodeProcess::close);
    }
  }

  private NodeProcess start(String participant, Map<String, Path> configs) {
    return NodeProcess.start(participant, configs.get(participant), JVM, Duration.ofSeconds(60));
  }

  /**
   * Waits until {@code after} requests are done and the insurer holds at least {@link #IN_FLIGHT}
   * unfinished negotiations, kills the node with SIGKILL and restarts it.
   */
  private void killMidStorm(
      Map<String, NodeProcess> nodes,
      Map<String, Path> configs,
      ManagedChannel toInsurer,
      String victim,
      int after) {
    Awaitility.await(after + " requests done, " + IN_FLIGHT + " under way")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> done.get() >= after && unfinished(list(toInsurer)) >= IN_FLIGHT);
    killedAt.put(victim, System.currentTimeMillis());
    nodes.get(victim).kill();
    nodes.put(victim, start(victim, configs));
  }

  private static long unfinished(List<NegotiationSummary> negotiations) {
    return negotiations.stream()
        .filter(n -> !n.getState().equals("FINALIZED") && !n.getState().equals("TERMINATED"))
        .count();
  }

  /** Negotiations {@code store} had started but not finished when {@code victim} was killed. */
  private long unfinishedAtKill(NegotiationStore store, String victim) {
    long t = killedAt.get(victim);
    return store.list().stream().filter(n -> n.createdMs() <= t && n.updatedMs() > t).count();
  }

  /** One client: takes the next request id until none is left; each to a final state. */
  private void client(ManagedChannel channel, AtomicInteger next) {
    var stub = ContractServiceGrpc.newBlockingStub(channel);
    for (int i = next.getAndIncrement(); i < REQUESTS; i = next.getAndIncrement()) {
      String requestId = "storm-" + i;
      RequestContractRequest request =
          RequestContractRequest.newBuilder()
              .setProvider("fund")
              .setDatasetId("settlements")
              .setOfferId("claims-matching")
              .setPolicyJson(offer)
              .setPurpose("claims-settlement")
              .setRequestId(requestId)
              .build();
      started.incrementAndGet();
      ContractDetails answer = untilAnswered(stub, requestId, s -> s.request(request));
      if (!isFinal(answer)) {
        notFinalAnswers.incrementAndGet();
        answer =
            Awaitility.await(requestId + " final")
                .atMost(Duration.ofSeconds(150))
                .pollInterval(Duration.ofMillis(200))
                .until(
                    () ->
                        untilAnswered(
                            stub,
                            null,
                            s -> s.show(ShowContractRequest.newBuilder().setId(requestId).build())),
                    NegotiationStormContractTest::isFinal);
      }
      negotiationOf.put(requestId, answer.getNegotiation().getNegotiationId());
      done.incrementAndGet();
    }
  }

  /** Calls until the node answers; a call lost with the node is asked again (same request id). */
  private ContractDetails untilAnswered(
      ContractServiceGrpc.ContractServiceBlockingStub stub,
      String requestId,
      Function<ContractServiceGrpc.ContractServiceBlockingStub, ContractDetails> call) {
    return Awaitility.await("the insurer's node answers")
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              try {
                return call.apply(stub.withDeadlineAfter(30, TimeUnit.SECONDS));
              } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE
                    && e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
                  throw e;
                }
                refusedCalls.incrementAndGet();
                if (requestId != null) {
                  lostAnswers.add(requestId);
                }
                return null;
              }
            },
            java.util.Objects::nonNull);
  }

  private static boolean isFinal(ContractDetails d) {
    String state = d.getNegotiation().getState();
    return state.equals("FINALIZED") || state.equals("TERMINATED");
  }

  /** Both nodes have every negotiation final and nothing left to deliver. */
  private static void awaitSettled(ManagedChannel toInsurer, ManagedChannel toFund) {
    Awaitility.await("both nodes settle")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(() -> settled(toInsurer) && settled(toFund));
  }

  private static List<NegotiationSummary> list(ManagedChannel channel) {
    return ContractServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .list(ListContractsRequest.getDefaultInstance())
        .getNegotiationsList();
  }

  private static boolean settled(ManagedChannel channel) {
    List<NegotiationSummary> all = list(channel);
    return all.size() == REQUESTS
        && all.stream()
            .allMatch(
                n ->
                    (n.getState().equals("FINALIZED") || n.getState().equals("TERMINATED"))
                        && n.getNextAttemptMs() == 0);
  }
}
