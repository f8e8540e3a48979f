package io.sluice.crypto;

import io.sluice.crypto.group.P256Group;
import io.sluice.crypto.h2c.Curve25519HashToCurve;
import io.sluice.crypto.h2c.ExpandMessageXmd;
import io.sluice.crypto.h2c.P256HashToCurve;
import io.sluice.crypto.oprf.OprfClient;
import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfServer;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.crypto.x25519.X25519Blinding;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * Throughput of the curve operations PSI is built from, single-threaded and on every core. A plain
 * {@code main}, not a test: timings vary with the machine and never gate a build. Each workload
 * runs for a warm-up second, then for {@code seconds} measured seconds per thread count.
 *
 * <pre>
 * ./mvnw -q -pl connector-core -am test-compile
 * java -cp "connector-core/target/test-classes:connector-core/target/classes:$(cat cp.txt)" \
 *     io.sluice.crypto.CurveRates [seconds]
 * </pre>
 */
public final class CurveRates {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int BATCH = 256;

  private CurveRates() {}

  /** One unit of work; returns the number of operations it performed. */
  private interface Workload {
    int run();
  }

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3.0;
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(
        Locale.ROOT,
        "Java %s, %d cores, %.1f s per measurement%n",
        System.getProperty("java.version"),
        cores,
        seconds);
    System.out.printf(
        Locale.ROOT, "%-58s %12s %12s%n", "operation", "1 thread", cores + " threads");

    double[] scalarMult =
        report("BC X25519.scalarMult", seconds, cores, CurveRates::x25519ScalarMult);
    report("X25519Blinding.blind (checks + scalarMult)", seconds, cores, CurveRates::x25519Blind);
    double[] ro =
        report(
            "curve25519 hash_to_curve (RFC 9380, ELL2 RO)",
            seconds,
            cores,
            CurveRates::curve25519HashToCurve);
    report(
        "  of which expand_message_xmd SHA-512, 96 bytes", seconds, cores, CurveRates::expand512);
    double[] nu =
        report(
            "curve25519 encode_to_curve (RFC 9380, ELL2 NU)",
            seconds,
            cores,
            CurveRates::curve25519EncodeToCurve);
    double[] onCurve =
        report("X25519Blinding.isOnCurve (Euler criterion)", seconds, cores, CurveRates::isOnCurve);
    report(
        "X25519Blinding.hashToGroup + blind (one PSI row)",
        seconds,
        cores,
        CurveRates::hashToGroupAndBlind);
    ratio("hash_to_curve RO time / scalarMult time", scalarMult, ro);
    ratio("encode_to_curve NU time / scalarMult time", scalarMult, nu);
    ratio("isOnCurve time / scalarMult time", scalarMult, onCurve);
    report("P-256 hash_to_curve (RFC 9380, SSWU RO)", seconds, cores, CurveRates::hashToCurve);
    report(
        "P-256 hash_to_curve + const-time var-point mul + encode",
        seconds,
        cores,
        CurveRates::hashMulEncode);
    report(
        "P-256 var-point mul, BC const-time multiplier", seconds, cores, CurveRates::mulConstTime);
    report(
        "P-256 var-point mul, BC default wNAF (not const-time)",
        seconds,
        cores,
        CurveRates::mulWnaf);
    report("P-256 fixed-base comb mul (k*G)", seconds, cores, CurveRates::mulGenerator);
    report(
        "OPRF BlindEvaluate, single (decode+mul+encode)", seconds, cores, CurveRates::evalSingle);
    report("OPRF BlindEvaluate, batch of " + BATCH, seconds, cores, CurveRates::evalBatch);
    report("OPRF Blind (client), batch of " + BATCH, seconds, cores, CurveRates::blindBatch);
    report("OPRF Finalize (client), batch of " + BATCH, seconds, cores, CurveRates::finalizeBatch);
    report(
        "OPRF Evaluate (server's own rows), batch of " + BATCH,
        seconds,
        cores,
        CurveRates::evaluateBatch);
  }

  private static Supplier<Workload> x25519ScalarMult() {
    return () -> {
      byte[] k = new byte[32];
      X25519.generatePrivateKey(RANDOM, k);
      byte[] u = X25519Blinding.hashToGroup(d("bench"), new byte[] {1});
      byte[] r = new byte[32];
      return () -> {
        X25519.scalarMult(k, 0, u, 0, r, 0);
        System.arraycopy(r, 0, u, 0, 32); // chain so the JIT cannot drop the work
        return 1;
      };
    };
  }

  private static Supplier<Workload> x25519Blind() {
    return () -> {
      X25519Blinding b = X25519Blinding.newSession(RANDOM);
      byte[][] u = {X25519Blinding.hashToGroup(d("bench"), new byte[] {2})};
      return () -> {
        u[0] = b.blind(u[0]);
        return 1;
      };
    };
  }

  private static Supplier<Workload> curve25519HashToCurve() {
    return () -> {
      byte[] dst = d("bench-h2c-curve25519");
      int[] i = {0};
      return () -> Curve25519HashToCurve.hashToCurve(intBytes(i[0]++), dst).length / 32;
    };
  }

  private static Supplier<Workload> expand512() {
    return () -> {
      byte[] dst = d("bench-h2c-curve25519");
      int[] i = {0};
      return () -> ExpandMessageXmd.sha512().expand(intBytes(i[0]++), dst, 96).length / 96;
    };
  }

  private static Supplier<Workload> curve25519EncodeToCurve() {
    return () -> {
      byte[] dst = d("bench-h2c-curve25519");
      int[] i = {0};
      return () -> Curve25519HashToCurve.encodeToCurve(intBytes(i[0]++), dst).length / 32;
    };
  }

  /** Hash outputs (on the curve) alternating with their bit-0 flips (half of them on the twist). */
  private static Supplier<Workload> isOnCurve() {
    return () -> {
      List<byte[]> us = new ArrayList<>();
      for (int j = 0; us.size() < BATCH; j++) {
        byte[] u = Curve25519HashToCurve.hashToCurve(intBytes(j), d("bench-on-curve"));
        us.add(u);
        byte[] w = u.clone();
        w[0] ^= 1;
        us.add(w);
      }
      int[] i = {0};
      int[] onCurve = {0}; // a sink, so the JIT cannot drop the work
      return () -> {
        onCurve[0] += X25519Blinding.isOnCurve(us.get(i[0]++ % us.size())) ? 1 : 0;
        return 1;
      };
    };
  }

  private static Supplier<Workload> hashToGroupAndBlind() {
    return () -> {
      X25519Blinding b = X25519Blinding.newSession(RANDOM);
      byte[] dst = d("bench-psi-row");
      int[] i = {0};
      return () -> b.blind(X25519Blinding.hashToGroup(dst, intBytes(i[0]++))).length / 32;
    };
  }

  private static Supplier<Workload> hashToCurve() {
    return () -> {
      byte[] dst = d("bench-h2c");
      int[] i = {0};
      return () -> {
        ECPoint p = P256HashToCurve.hashToCurve(intBytes(i[0]++), dst);
        return p.isInfinity() ? 0 : 1;
      };
    };
  }

  private static Supplier<Workload> hashMulEncode() {
    return () -> {
      P256Group g = P256Group.instance();
      BigInteger k = g.randomScalar(RANDOM);
      byte[] dst = d("bench-h2c");
      int[] i = {0};
      return () -> g.encodeElement(g.multiply(g.hashToGroup(dst, intBytes(i[0]++)), k)).length / 33;
    };
  }

  private static Supplier<Workload> mulConstTime() {
    return () -> {
      P256Group g = P256Group.instance();
      BigInteger k = g.randomScalar(RANDOM);
      ECPoint[] p = {g.multiplyGenerator(g.randomScalar(RANDOM))};
      return () -> {
        p[0] = g.multiply(p[0], k).normalize();
        return 1;
      };
    };
  }

  private static Supplier<Workload> mulWnaf() {
    return () -> {
      P256Group g = P256Group.instance();
      BigInteger k = g.randomScalar(RANDOM);
      ECPoint[] p = {g.multiplyGenerator(g.randomScalar(RANDOM))};
      return () -> {
        p[0] = p[0].multiply(k).normalize();
        return 1;
      };
    };
  }

  private static Supplier<Workload> mulGenerator() {
    return () -> {
      P256Group g = P256Group.instance();
      BigInteger[] k = {g.randomScalar(RANDOM)};
      return () -> {
        ECPoint p = g.multiplyGenerator(k[0]).normalize();
        k[0] = p.getAffineXCoord().toBigInteger().mod(g.order()).add(BigInteger.ONE);
        return 1;
      };
    };
  }

  private static Supplier<Workload> evalSingle() {
    return () -> {
      OprfServer server = new OprfServer(OprfPrivateKey.generate(OprfSuite.P256_SHA256, RANDOM));
      List<byte[]> blinded = blindedElements(BATCH);
      int[] i = {0};
      return () -> server.blindEvaluate(blinded.get(i[0]++ % BATCH)).length / 33;
    };
  }

  private static Supplier<Workload> evalBatch() {
    return () -> {
      OprfServer server = new OprfServer(OprfPrivateKey.generate(OprfSuite.P256_SHA256, RANDOM));
      List<byte[]> blinded = blindedElements(BATCH);
      return () -> server.blindEvaluateAll(blinded).size();
    };
  }

  private static Supplier<Workload> blindBatch() {
    return () -> {
      OprfClient client = new OprfClient(OprfSuite.P256_SHA256, RANDOM);
      List<byte[]> inputs = inputs(BATCH);
      return () -> client.blindAll(inputs).size();
    };
  }

  private static Supplier<Workload> finalizeBatch() {
    return () -> {
      OprfServer server = new OprfServer(OprfPrivateKey.generate(OprfSuite.P256_SHA256, RANDOM));
      OprfClient client = new OprfClient(OprfSuite.P256_SHA256, RANDOM);
      List<OprfClient.Blinded> blinded = client.blindAll(inputs(BATCH));
      List<byte[]> evaluated =
          server.blindEvaluateAll(
              blinded.stream().map(OprfClient.Blinded::blindedElement).toList());
      return () -> client.finalizeAll(blinded, evaluated).size();
    };
  }

  private static Supplier<Workload> evaluateBatch() {
    return () -> {
      OprfServer server = new OprfServer(OprfPrivateKey.generate(OprfSuite.P256_SHA256, RANDOM));
      List<byte[]> inputs = inputs(BATCH);
      return () -> server.evaluateAll(inputs).size();
    };
  }

  private static List<byte[]> inputs(int count) {
    List<byte[]> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(("row-" + i).getBytes(StandardCharsets.US_ASCII));
    }
    return out;
  }

  private static List<byte[]> blindedElements(int count) {
    OprfClient client = new OprfClient(OprfSuite.P256_SHA256, RANDOM);
    return client.blindAll(inputs(count)).stream().map(OprfClient.Blinded::blindedElement).toList();
  }

  private static byte[] d(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] intBytes(int i) {
    return new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i};
  }

  /** Measures and prints one line; returns {1-thread rate, all-core rate}. */
  private static double[] report(
      String name, double seconds, int cores, Supplier<Supplier<Workload>> w)
      throws InterruptedException {
    double one = rate(w.get(), 1, seconds);
    double all = rate(w.get(), cores, seconds);
    System.out.printf(Locale.ROOT, "%-58s %12.0f %12.0f   ops/s%n", name, one, all);
    return new double[] {one, all};
  }

  /** Time per operation of {@code op} relative to {@code base} (the inverse ratio of the rates). */
  private static void ratio(String name, double[] base, double[] op) {
    System.out.printf(
        Locale.ROOT, "%-58s %12.2f %12.2f   ratio%n", name, base[0] / op[0], base[1] / op[1]);
  }

  /** Operations per second over all threads; every thread builds its own state first. */
  private static double rate(Supplier<Workload> factory, int threads, double seconds)
      throws InterruptedException {
    long warmupNanos = 1_000_000_000L;
    long measureNanos = (long) (seconds * 1e9);
    AtomicLong total = new AtomicLong();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch start = new CountDownLatch(1);
    long[] window = new long[2];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker =
          new Thread(
              () -> {
                Workload work = factory.get();
                long until = System.nanoTime() + warmupNanos;
                while (System.nanoTime() < until) {
                  work.run();
                }
                ready.countDown();
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                long ops = 0;
                long end = window[1];
                while (System.nanoTime() < end) {
                  ops += work.run();
                }
                total.addAndGet(ops);
              });
      workers.add(worker);
      worker.start();
    }
    ready.await();
    window[0] = System.nanoTime();
    window[1] = window[0] + measureNanos;
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }
    long elapsed = System.nanoTime() - window[0];
    return total.get() / (elapsed / 1e9);
  }
}
