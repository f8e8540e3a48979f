package io.sluice.bench;

import io.grpc.ManagedChannel;
import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfServer;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.crypto.x25519.X25519Blinding;
import io.sluice.node.demo.DemoParticipant;
import io.sluice.node.demo.DemoSpace;
import io.sluice.node.demo.NodeFleet;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.proto.v1.ComputeControlServiceGrpc;
import io.sluice.proto.v1.ContractDetails;
import io.sluice.proto.v1.ContractServiceGrpc;
import io.sluice.proto.v1.KeyColumn;
import io.sluice.proto.v1.PreparePsiRequest;
import io.sluice.proto.v1.PreparePsiResponse;
import io.sluice.proto.v1.PsiSummary;
import io.sluice.proto.v1.RequestContractRequest;
import io.sluice.proto.v1.RunPsiRequest;
import io.sluice.proto.v1.RunRequest;
import io.sluice.proto.v1.RunUpdate;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PSI end to end between two node processes over loopback mTLS: {@code psi} with n × n rows (50%
 * overlap) and {@code psi-label} with m receiver rows × n sender rows, each node a JVM with {@code
 * -Xmx1g}; in the same run, the single-thread and all-thread rates of the curve operations, to
 * express the elapsed times as ratios to the lower bounds (see bench/README.md).
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.sluice.bench.PsiBenchmark [--n 1000000] [--m 100000]
 *     [--modes psi,psi-label]
 * </pre>
 */
public final class PsiBenchmark {
  private PsiBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = Args.parse(args);
    int n = Integer.parseInt(opts.getOrDefault("n", "1000000"));
    int m = Integer.parseInt(opts.getOrDefault("m", "100000"));
    List<String> modes = List.of(opts.getOrDefault("modes", "psi,psi-label").split(","));
    int cores = Runtime.getRuntime().availableProcessors();

    System.out.println("== curve rates (ops/s), measured now on " + cores + " cores");
    double x1 = x25519Rate(1);
    double xAll = x25519Rate(cores);
    double h1 = hashToGroupRate(1);
    double hAll = hashToGroupRate(cores);
    double c1 = onCurveRate(1);
    double cAll = onCurveRate(cores);
    double p1 = p256Rate(1);
    double pAll = p256Rate(cores);
    System.out.printf(
        "X25519 scalar multiplication      1 thread %,10.0f   %d threads %,10.0f%n",
        x1, cores, xAll);
    System.out.printf(
        "RFC 9380 hash to curve25519       1 thread %,10.0f   %d threads %,10.0f%n",
        h1, cores, hAll);
    System.out.printf(
        "curve25519 point check            1 thread %,10.0f   %d threads %,10.0f%n",
        c1, cores, cAll);
    System.out.printf(
        "P-256 hash-to-curve + multiply    1 thread %,10.0f   %d threads %,10.0f%n",
        p1, cores, pAll);

    Path dir = Scratch.create("sluice-bench-psi-");
    System.out.println("== generating data in " + dir);
    Path fund = dir.resolve("fund-settlements.csv");
    Path insurerPsi = dir.resolve("insurer-psi.csv");
    Path insurerLabel = dir.resolve("insurer-label.csv");
    writeSender(fund, n);
    writeReceiver(insurerPsi, n, n, 0.5);
    writeReceiver(insurerLabel, m, n, 0.6);

    List<DemoParticipant> participants =
        List.of(
            new DemoParticipant(
                "fund",
                "National Health Insurance Fund",
                List.of("medical-insurance-fund"),
                Map.of()),
            new DemoParticipant(
                "insurer-a", "Aurelia Care Assurance", List.of("commercial-insurer"), Map.of()));
    DemoSpace space = DemoSpace.create(dir.resolve("space"), "bench", participants);
    space.publish("fund", "settlements", fund, "claims-matching", offer(Math.max(n, m)));
    List<String> jvm = List.of("-Xmx1g", "-Xlog:gc:file=gc.log");
    try (NodeFleet fleet = NodeFleet.start(space, jvm);
        PeerChannels insurerChannels =
            new PeerChannels(
                space.node("insurer-a").credentials(), space.trust(), Map.of(), 8 << 20);
        PeerChannels fundChannels =
            new PeerChannels(space.node("fund").credentials(), space.trust(), Map.of(), 8 << 20)) {
      ManagedChannel insurer =
          insurerChannels.open(
              "insurer-a", new PeerChannels.Address("127.0.0.1", space.node("insurer-a").port()));
      ManagedChannel fundNode =
          fundChannels.open(
              "fund", new PeerChannels.Address("127.0.0.1", space.node("fund").port()));
      ContractDetails agreement =
          ContractServiceGrpc.newBlockingStub(insurer)
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .request(
                  RequestContractRequest.newBuilder()
                      .setProvider("fund")
                      .setDatasetId("settlements")
                      .setOfferId("claims-matching")
                      .setPurpose("claims-settlement")
                      .build());
      String agreementId = agreement.getNegotiation().getAgreementId();
      if (!agreement.getNegotiation().getState().equals("FINALIZED")) {
        throw new IllegalStateException(
            "no agreement: " + agreement.getNegotiation().getReasonsList());
      }
      List<KeyColumn> keys =
          List.of(
              KeyColumn.newBuilder().setName("national_id").setCaseRule("upper").build(),
              KeyColumn.newBuilder().setName("visit_date").build());

      if (modes.contains("psi")) {
        System.out.printf("== psi %,d x %,d (50%% overlap)%n", n, n);
        PsiSummary psi =
            run(insurer, agreementId, "psi", insurerPsi, keys, dir.resolve("psi-out.arrow"));
        // Per distinct key of either side: hash to the group and blind it, check and blind the
        // peer's blinded value of it.
        double perKey = 2 / xAll + 1 / hAll + 1 / cAll;
        report(psi, (psi.getInputKeys() + psi.getSenderKeys()) * perKey);
        printPeakHeap(space);
      }
      if (modes.contains("psi-label")) {
        System.out.printf("== psi-label %,d receiver rows x %,d sender rows%n", m, n);
        long t0 = System.nanoTime();
        PreparePsiResponse prepared =
            ComputeControlServiceGrpc.newBlockingStub(fundNode)
                .withDeadlineAfter(2, TimeUnit.HOURS)
                .preparePsi(
                    PreparePsiRequest.newBuilder()
                        .setAgreementId(agreementId)
                        .addPayloadColumns("settled_amount")
                        .addPayloadColumns("settlement_date")
                        .build());
        double prepSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
            "   ahead of time: sender table of %,d distinct keys built in %.1f s (lower bound %.1f s: %,d evaluations / %,.0f per s; ratio %.2f)%n",
            prepared.getRows(),
            prepSeconds,
            prepared.getRows() / pAll,
            prepared.getRows(),
            pAll,
            prepSeconds / (prepared.getRows() / pAll));
        PsiSummary label =
            run(
                insurer,
                agreementId,
                "psi-label",
                insurerLabel,
                keys,
                dir.resolve("label-out.csv"));
        double online = 3.0 * label.getInputKeys() / pAll;
        report(label, online);
        double total = label.getElapsedMs() / 1000.0 + prepSeconds;
        double bound = (prepared.getRows() + 3.0 * label.getInputKeys()) / pAll;
        System.out.printf(
            "   with the table build: %.1f s for a lower bound of %.1f s ((n_sender + 3 n_receiver) / rate): ratio %.2f%n",
            total, bound, total / bound);
        printPeakHeap(space);
      }
      insurer.shutdownNow();
      fundNode.shutdownNow();
      fleet.stop();
    }
  }

  private static void printPeakHeap(DemoSpace space) {
    System.out.println(
        "   peak heap after GC: insurer "
            + gcPeak(space.node("insurer-a").dir())
            + ", fund "
            + gcPeak(space.node("fund").dir()));
  }

  static PsiSummary run(
      ManagedChannel insurer,
      String agreementId,
      String mode,
      Path input,
      List<KeyColumn> keys,
      Path output) {
    Iterator<RunUpdate> updates =
        ComputeControlServiceGrpc.newBlockingStub(insurer)
            .withDeadlineAfter(2, TimeUnit.HOURS)
            .run(
                RunRequest.newBuilder()
                    .setPsi(
                        RunPsiRequest.newBuilder()
                            .setAgreementId(agreementId)
                            .setMode(mode)
                            .setInputPath(input.toString())
                            .addAllKeys(keys)
                            .setOutputPath(output.toString()))
                    .build());
    PsiSummary summary = null;
    while (updates.hasNext()) {
      RunUpdate u = updates.next();
      if (u.hasSummary()) {
        summary = u.getSummary().getPsi();
      }
    }
    if (summary == null) {
      throw new IllegalStateException("no summary");
    }
    return summary;
  }

  static void report(PsiSummary s, double lowerBoundSeconds) {
    double seconds = s.getElapsedMs() / 1000.0;
    System.out.printf(
        "   %s: %.1f s, %,.0f receiver rows/s (%,d distinct keys; provider %,d), %,d matched, %,d + %,d bytes on the wire; lower bound %.1f s -> ratio %.2f%n",
        s.getOutcome(),
        seconds,
        s.getInputRows() / seconds,
        s.getInputKeys(),
        s.getSenderKeys(),
        s.getMatchedRows(),
        s.getBytesSent(),
        s.getBytesReceived(),
        lowerBoundSeconds,
        seconds / lowerBoundSeconds);
  }

  /** The largest heap occupancy after a collection, from the node's GC log. */
  static String gcPeak(Path nodeDir) {
    Pattern after = Pattern.compile("->(\\d+)M\\(");
    long max = 0;
    try {
      for (String line : Files.readAllLines(nodeDir.resolve("gc.log"))) {
        Matcher matcher = after.matcher(line);
        if (matcher.find()) {
          max = Math.max(max, Long.parseLong(matcher.group(1)));
        }
      }
    } catch (IOException e) {
      return "unknown";
    }
    return max + " MiB";
  }

  static void writeSender(Path file, int rows) throws IOException {
    Random random = new Random(1);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("national_id,visit_date,hospital,settled_amount,settlement_date\n");
      for (int i = 0; i < rows; i++) {
        w.write(
            id(i)
                + ","
                + visit(i)
                + ",H"
                + (i % 97)
                + ","
                + (50 + random.nextInt(5000))
                + "."
                + (10 + random.nextInt(89))
                + ",2026-10-"
                + (10 + i % 19)
                + "\n");
      }
    }
  }

  /** {@code rows} receiver rows, a share {@code overlap} of them visits the sender also holds. */
  static void writeReceiver(Path file, int rows, int senderRows, double overlap)
      throws IOException {
    Random random = new Random(2);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("claim_id,national_id,visit_date,claimed_amount\n");
      for (int i = 0; i < rows; i++) {
        boolean known = random.nextDouble() < overlap;
        int k = known ? random.nextInt(senderRows) : senderRows + i;
        w.write(
            "C"
                + i
                + ","
                + id(k).toLowerCase()
                + ","
                + visit(k)
                + ","
                + (100 + random.nextInt(9000))
                + ".00\n");
      }
    }
  }

  static String id(int i) {
    return String.format("X%09d", i);
  }

  static String visit(int i) {
    return "2026-" + String.format("%02d", 1 + i % 12) + "-" + String.format("%02d", 1 + i % 28);
  }

  static String offer(long maxRows) throws IOException {
    try (var in =
        PsiBenchmark.class.getResourceAsStream(
            "/io/sluice/policy/examples/claims-matching-offer.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("sluice://health/medical-insurance-fund-nord", "sluice://bench/fund")
          .replace(
              "\"operator\": \"eq\", \"rightOperand\": \"psi-label\"",
              "\"operator\": \"isAnyOf\", \"rightOperand\": [\"psi\", \"psi-label\"]")
          .replace("\"rightOperand\": 1000000", "\"rightOperand\": " + (maxRows * 2))
          .replace("\"rightOperand\": 30", "\"rightOperand\": 1000");
    }
  }

  /** X25519 blindings per second with {@code threads} threads. */
  static double x25519Rate(int threads) throws Exception {
    return rate(
        threads,
        () -> {
          X25519Blinding b = X25519Blinding.newSession(new SecureRandom());
          byte[] u = X25519Blinding.hashToGroup(new byte[] {1}, new byte[] {2});
          return () -> b.blind(u);
        });
  }

  /** RFC 9380 hashes to curve25519's prime-order subgroup per second (one per key and side). */
  static double hashToGroupRate(int threads) throws Exception {
    return rate(
        threads,
        () -> {
          byte[] dst = "sluice-psi-v2-bench".getBytes(StandardCharsets.US_ASCII);
          byte[] key = "X000000001|2026-01-01".getBytes(StandardCharsets.UTF_8);
          return () -> X25519Blinding.hashToGroup(dst, key);
        });
  }

  /**
   * Checks that a received value is a canonical point of curve25519 (not its twist), per second.
   */
  static double onCurveRate(int threads) throws Exception {
    return rate(
        threads,
        () -> {
          byte[] u = X25519Blinding.hashToGroup(new byte[] {1}, new byte[] {3});
          return () -> X25519Blinding.requireOnCurve(u);
        });
  }

  /**
   * P-256 hash-and-multiply operations per second: the OPRF's Evaluate of an input (hash to the
   * curve, multiply by the key, hash the result), the unit of the psi-label lower bound.
   */
  static double p256Rate(int threads) throws Exception {
    return rate(
        threads,
        () -> {
          OprfServer server =
              new OprfServer(OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom()));
          byte[] input = "X000000001|2026-01-01".getBytes(StandardCharsets.UTF_8);
          return () -> server.evaluate(input);
        });
  }

  interface Op {
    void run();
  }

  interface OpFactory {
    Op create() throws Exception;
  }

  static double rate(int threads, OpFactory factory) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 2; round++) { // the first round warms up
        AtomicLong ops = new AtomicLong();
        CountDownLatch done = new CountDownLatch(threads);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
          Op op = factory.create();
          pool.execute(
              () -> {
                long local = 0;
                while (System.nanoTime() < end) {
                  op.run();
                  local++;
                }
                ops.addAndGet(local);
                done.countDown();
              });
        }
        done.await();
        if (round == 1) {
          return ops.get() / ((System.nanoTime() - start) / 1e9);
        }
      }
      throw new IllegalStateException();
    } finally {
      pool.shutdownNow();
    }
  }
}
