package io.sluice.bench;

import io.grpc.ManagedChannel;
import io.sluice.node.demo.DemoParticipant;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.demo.NodeFleet;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.proto.v1.ContractDetails;
import io.sluice.proto.v1.ContractServiceGrpc;
import io.sluice.proto.v1.RequestContractRequest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Complete negotiations (request to FINALIZED on both sides) between two node processes over
 * loopback mTLS, with 1 and with 16 concurrent requests, on SQLite and on PostgreSQL. Each request
 * goes to the insurer node's ContractService, which negotiates with the fund node; the call returns
 * when the insurer has stored the FINALIZED agreement, which the fund stored before answering. See
 * bench/README.md.
 *
 * <pre>
 * java -cp ... io.sluice.bench.NegotiationBenchmark [--stores sqlite,postgresql]
 *     [--pg-url jdbc:postgresql://127.0.0.1:5432/test?user=postgres] [--n1 300] [--n16 3000]
 * </pre>
 */
public final class NegotiationBenchmark {
  private NegotiationBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = Args.parse(args);
    List<String> stores =
        Arrays.asList(opts.getOrDefault("stores", "sqlite,postgresql").split(","));
    String pgUrl =
        opts.getOrDefault(
            "pg-url",
            System.getenv()
                .getOrDefault(
                    "SLUICE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"));
    int n1 = Integer.parseInt(opts.getOrDefault("n1", "300"));
    int n16 = Integer.parseInt(opts.getOrDefault("n16", "3000"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "4000"));
    System.out.printf(
        "%-10s %5s %8s %9s %9s %9s %12s%n",
        "store", "conc", "count", "p50 ms", "p99 ms", "max ms", "negot./s");
    List<String> nodeJvm = new ArrayList<>(List.of("-Xmx512m"));
    if (opts.containsKey("node-jvm")) {
      nodeJvm.addAll(Arrays.asList(opts.get("node-jvm").split(" ")));
    }
    for (String store : stores) {
      run(store, pgUrl, n1, n16, warmup, nodeJvm);
    }
  }

  static void run(String store, String pgUrl, int n1, int n16, int warmup, List<String> nodeJvm)
      throws Exception {
    Path dir = Scratch.create("sluice-bench-negotiation-");
    String schemaPrefix =
        "bench_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    List<DemoParticipant> participants =
        List.of(
            new DemoParticipant(
                "fund",
                "National Health Insurance Fund",
                List.of("medical-insurance-fund"),
                Map.of()),
            new DemoParticipant(
                "insurer-a", "Aurelia Care Assurance", List.of("commercial-insurer"), Map.of()));
    DemoSpace space =
        DemoSpace.create(
            dir,
            "bench",
            participants,
            id ->
                store.equals("postgresql")
                    ? pgUrl
                        + (pgUrl.contains("?") ? "&" : "?")
                        + "currentSchema="
                        + schemaPrefix
                        + "_"
                        + id.replace('-', '_')
                    : null);
    Path csv = dir.resolve("settlements.csv");
    Files.writeString(csv, "person_id,settled_amount\nA1,100.50\nB2,80.00\n");
    String offer = offer();
    space.publish("fund", "settlements", csv, "claims-matching", offer);
    try (NodeFleet fleet = NodeFleet.start(space, nodeJvm);
        PeerChannels channels =
            new PeerChannels(
                space.node("insurer-a").credentials(), space.trust(), Map.of(), 8 << 20)) {
      ManagedChannel channel =
          channels.open(
              "insurer-a", new PeerChannels.Address("127.0.0.1", space.node("insurer-a").port()));
      RequestContractRequest request =
          RequestContractRequest.newBuilder()
              .setProvider("fund")
              .setDatasetId("settlements")
              .setOfferId("claims-matching")
              .setPolicyJson(offer)
              .setPurpose("claims-settlement")
              .build();
      infoBaseline(channel, store);
      // warm-up: long enough for the JIT to finish compiling the hot paths of all three JVMs
      measure(channel, request, 16, warmup, null);
      measure(channel, request, 1, 200, null);
      measure(channel, request, 1, n1, store);
      measure(channel, request, 16, n16, store);
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      fleet.stop();
    } finally {
      if (store.equals("postgresql")) {
        dropSchemas(pgUrl, schemaPrefix, participants);
      }
    }
  }

  static void measure(
      ManagedChannel channel,
      RequestContractRequest request,
      int concurrency,
      int count,
      String label)
      throws Exception {
    long[] latencies = new long[count];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    long start = System.nanoTime();
    List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      futures.add(
          pool.submit(
              () -> {
                var stub = ContractServiceGrpc.newBlockingStub(channel);
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                  long t0 = System.nanoTime();
                  ContractDetails d = stub.withDeadlineAfter(60, TimeUnit.SECONDS).request(request);
                  latencies[i] = System.nanoTime() - t0;
                  if (!d.getNegotiation().getState().equals("FINALIZED")) {
                    failed.incrementAndGet();
                  }
                }
              }));
    }
    for (var f : futures) {
      f.get();
    }
    long elapsed = System.nanoTime() - start;
    pool.shutdown();
    if (label == null) {
      return;
    }
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " negotiations did not finalize");
    }
    Arrays.sort(latencies);
    System.out.printf(
        "%-10s %5d %8d %9.2f %9.2f %9.2f %12.1f%n",
        label,
        concurrency,
        count,
        latencies[count / 2] / 1e6,
        latencies[(int) Math.min(count - 1, Math.ceil(count * 0.99) - 1)] / 1e6,
        latencies[count - 1] / 1e6,
        count / (elapsed / 1e9));
  }

  /** One mTLS round trip to the node (NodeService/Info), the floor under every negotiation step. */
  static void infoBaseline(ManagedChannel channel, String store) {
    var stub = io.sluice.proto.v1.NodeServiceGrpc.newBlockingStub(channel);
    long[] t = new long[500];
    for (int i = 0; i < 1500; i++) {
      long t0 = System.nanoTime();
      stub.withDeadlineAfter(10, TimeUnit.SECONDS)
          .info(io.sluice.proto.v1.InfoRequest.getDefaultInstance());
      if (i >= 1000) {
        t[i - 1000] = System.nanoTime() - t0;
      }
    }
    Arrays.sort(t);
    System.out.printf(
        "%-10s  Info RPC round trip: p50 %.2f ms, p99 %.2f ms%n",
        store, t[250] / 1e6, t[495] / 1e6);
  }

  static String offer() throws Exception {
    try (InputStream in =
        NegotiationBenchmark.class.getResourceAsStream(
            "/io/sluice/policy/examples/claims-matching-offer.json")) {
      String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return json.replace("sluice://health/medical-insurance-fund-nord", "sluice://bench/fund")
          .replace(
              "\"count\", \"operator\": \"lteq\", \"rightOperand\": 30",
              "\"count\", \"operator\": \"lteq\", \"rightOperand\": 1000000");
    }
  }

  static void dropSchemas(String pgUrl, String prefix, List<DemoParticipant> participants) {
    try (Connection c = DriverManager.getConnection(pgUrl);
        Statement s = c.createStatement()) {
      for (DemoParticipant p : participants) {
        s.execute("DROP SCHEMA IF EXISTS " + prefix + "_" + p.id().replace('-', '_') + " CASCADE");
      }
    } catch (Exception e) {
      System.err.println("could not drop benchmark schemas: " + e.getMessage());
    }
  }
}
