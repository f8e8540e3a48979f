package io.sluice.psi;

import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfServer;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.crypto.x25519.X25519Blinding;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.apache.arrow.memory.RootAllocator;

/**
 * End-to-end PSI throughput in one process over the in-memory channel (a {@code main}, never a
 * test). Measures, in the same run, the all-core rates of the operations that bound each protocol,
 * and reports elapsed time, rows/s, bytes exchanged, the ratio to that lower bound and the peak
 * heap. Run with {@code -Xmx1g --add-opens=java.base/java.nio=ALL-UNNAMED}; see docs/psi.md.
 *
 * <p>Arguments (optional): {@code psiRows labelReceiverRows labelSenderRows}, default {@code
 * 1000000 100000 1000000}.
 */
public final class PsiBenchmark {
  private static final int THREADS = Runtime.getRuntime().availableProcessors();

  private PsiBenchmark() {}

  public static void main(String[] args) throws Exception {
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    int psiRows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int labelReceiver = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int labelSender = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
    System.out.printf(
        Locale.ROOT,
        "Java %s, %d cores, max heap %d MiB%n",
        System.getProperty("java.version"),
        THREADS,
        Runtime.getRuntime().maxMemory() >> 20);

    double x25519Rate = rate("X25519 blind (hash + scalar mult)", x25519Op());
    double p256Rate = rate("P-256 hash-to-curve + mult (OPRF Evaluate)", p256Op());

    ExecutorService compute = Executors.newFixedThreadPool(THREADS);
    try (RootAllocator allocator = new RootAllocator()) {
      psi(psiRows, x25519Rate, compute, allocator);
      label(labelReceiver, labelSender, p256Rate, compute, allocator);
    } finally {
      compute.shutdownNow();
      compute.awaitTermination(1, TimeUnit.MINUTES);
    }
  }

  /** The synthetic identifier of row i: 12 digits, as a KeyExtractor would encode one column. */
  static byte[] id(long i) {
    return String.format(Locale.ROOT, "DE%012d", i).getBytes(StandardCharsets.US_ASCII);
  }

  static Iterator<byte[]> ids(long from, long count, LongFunction<byte[]> f) {
    return new Iterator<>() {
      long next = from;

      @Override
      public boolean hasNext() {
        return next < from + count;
      }

      @Override
      public byte[] next() {
        return f.apply(next++);
      }
    };
  }

  private static void psi(int n, double rate, ExecutorService compute, RootAllocator allocator)
      throws Exception {
    System.out.printf(Locale.ROOT, "%n== psi: %,d x %,d rows, 50%% overlap ==%n", n, n);
    PsiConfig config = PsiConfig.builder(PsiMode.PSI, "bench-agreement", "bench-psi", "id").build();
    var pair = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
    SecureRandom random = new SecureRandom();
    EcdhPsiReceiver receiver =
        new EcdhPsiReceiver(
            config, pair.receiverEnd(), allocator, compute, random, PsiProgress.NONE);
    EcdhPsiSender sender =
        new EcdhPsiSender(config, pair.senderEnd(), allocator, compute, random, PsiProgress.NONE);
    HeapPeak heap = HeapPeak.start();
    long t0 = System.nanoTime();
    PsiReceiverResult result =
        runBoth(
            () -> receiver.run(n, ids(0, n, PsiBenchmark::id)),
            () -> sender.run(n, ids(n / 2, n, PsiBenchmark::id)));
    double seconds = (System.nanoTime() - t0) / 1e9;
    heap.stop();
    check(result.matchedRows().length == n / 2, "psi found " + result.matchedRows().length);
    long bytes = pair.receiverEnd().bytesSent() + pair.senderEnd().bytesSent();
    double bound = 4.0 * n / rate;
    System.out.printf(
        Locale.ROOT,
        "elapsed %.1f s, %,.0f rows/s per side, %,d matches%n"
            + "bytes exchanged %,d (receiver %,d, sender %,d), %.1f bytes/row%n"
            + "lower bound 4n/rate = %.1f s, ratio %.3f%n%s%n",
        seconds,
        n / seconds,
        result.matchedRows().length,
        bytes,
        pair.receiverEnd().bytesSent(),
        pair.senderEnd().bytesSent(),
        bytes / (2.0 * n),
        bound,
        seconds / bound,
        heap);
  }

  private static void label(
      int nR, int nS, double rate, ExecutorService compute, RootAllocator allocator)
      throws Exception {
    System.out.printf(
        Locale.ROOT,
        "%n== psi-label: %,d receiver x %,d sender rows, 32-byte payloads ==%n",
        nR,
        nS);
    SecureRandom random = new SecureRandom();
    OprfPrivateKey key = OprfPrivateKey.generate(OprfSuite.P256_SHA256, random);
    long baseHeap = PsiMemoryProbe.usedAfterGc();
    HeapPeak heap = HeapPeak.start();
    long t0 = System.nanoTime();
    Iterator<byte[]> ids = ids(0, nS, PsiBenchmark::id);
    Iterator<LabelRow> rows =
        new Iterator<>() {
          long i;

          @Override
          public boolean hasNext() {
            return ids.hasNext();
          }

          @Override
          public LabelRow next() {
            byte[] payload = new byte[32];
            byte[] id = ids.next();
            System.arraycopy(id, 0, payload, 0, id.length);
            payload[31] = (byte) i++;
            return new LabelRow(id, payload);
          }
        };
    SenderTable table =
        SenderTable.build(key, "bench-agreement", "epoch-1", "id", nS, rows, compute, random);
    double buildSeconds = (System.nanoTime() - t0) / 1e9;
    long tableHeap = PsiMemoryProbe.usedAfterGc() - baseHeap;

    PsiConfig config =
        PsiConfig.builder(PsiMode.LABEL, "bench-agreement", "bench-label", "id")
            .keyEpoch("epoch-1")
            .build();
    var pair = InMemoryPsiChannel.pair(InMemoryPsiChannel.Options.defaults());
    LabelPsiReceiver receiver =
        new LabelPsiReceiver(
            config, pair.receiverEnd(), allocator, compute, random, PsiProgress.NONE);
    LabelPsiSender sender =
        new LabelPsiSender(
            config, pair.senderEnd(), allocator, compute, random, PsiProgress.NONE, key, table);
    long t1 = System.nanoTime();
    // Half of the receiver's rows are in the sender's table.
    PsiReceiverResult result =
        runBoth(() -> receiver.run(nR, ids(nS - nR / 2, nR, PsiBenchmark::id)), sender::run);
    double onlineSeconds = (System.nanoTime() - t1) / 1e9;
    heap.stop();
    check(result.labels().size() == nR / 2, "psi-label found " + result.labels().size());
    long bytes = pair.receiverEnd().bytesSent() + pair.senderEnd().bytesSent();
    double bound = (nS + 3.0 * nR) / rate;
    double onlineBound = 3.0 * nR / rate;
    System.out.printf(
        Locale.ROOT,
        "table build (ahead of time, sender): %.1f s, %,.0f rows/s; lower bound n_S/rate = %.1f s,"
            + " ratio %.3f%n"
            + "online session: %.1f s, %,.0f receiver rows/s; lower bound 3 n_R/rate = %.1f s,"
            + " ratio %.3f%n"
            + "total %.1f s; lower bound (n_S + 3 n_R)/rate = %.1f s, ratio %.3f%n"
            + "bytes exchanged %,d (receiver %,d, sender %,d incl. table), %,d matches%n"
            + "sender table live heap %,d MiB (%.1f bytes/row)%n%s%n",
        buildSeconds,
        nS / buildSeconds,
        nS / rate,
        buildSeconds / (nS / rate),
        onlineSeconds,
        nR / onlineSeconds,
        onlineBound,
        onlineSeconds / onlineBound,
        buildSeconds + onlineSeconds,
        bound,
        (buildSeconds + onlineSeconds) / bound,
        bytes,
        pair.receiverEnd().bytesSent(),
        pair.senderEnd().bytesSent(),
        result.labels().size(),
        tableHeap >> 20,
        tableHeap / (double) nS,
        heap);
  }

  interface Side<T> {
    T run() throws Exception;
  }

  private static <R> R runBoth(Side<R> receiver, Side<?> sender) throws Exception {
    ExecutorService drivers = Executors.newFixedThreadPool(2);
    try {
      Future<?> s = drivers.submit(sender::run);
      Future<R> r = drivers.submit(receiver::run);
      R out = r.get();
      s.get();
      return out;
    } finally {
      drivers.shutdownNow();
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }

  private static Runnable x25519Op() {
    X25519Blinding b = X25519Blinding.newSession(new SecureRandom());
    byte[] domain = "bench".getBytes(StandardCharsets.US_ASCII);
    AtomicLong i = new AtomicLong();
    return () -> b.hashAndBlind(domain, id(i.incrementAndGet()));
  }

  /** One OPRF Evaluate (hash-to-curve, constant-time mult, encode, hash), in batches of 256. */
  private static Runnable p256Op() {
    OprfServer server =
        new OprfServer(OprfPrivateKey.generate(OprfSuite.P256_SHA256, new SecureRandom()));
    List<byte[]> batch = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      batch.add(id(i));
    }
    return () -> server.evaluateAll(batch);
  }

  /** All-core ops/s of {@code op} (p256Op counts 256 per call): 2 s warm-up, 5 s measured. */
  private static double rate(String name, Runnable op) throws Exception {
    boolean batched = name.startsWith("P-256");
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      measure(pool, op, 2_000);
      long ops = measure(pool, op, 5_000) * (batched ? 256 : 1);
      double rate = ops / 5.0;
      System.out.printf(
          Locale.ROOT, "all-core rate, %s: %,.0f ops/s (%d threads)%n", name, rate, THREADS);
      return rate;
    } finally {
      pool.shutdownNow();
    }
  }

  private static long measure(ExecutorService pool, Runnable op, long millis) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong count = new AtomicLong();
    CountDownLatch done = new CountDownLatch(THREADS);
    for (int t = 0; t < THREADS; t++) {
      pool.submit(
          () -> {
            long n = 0;
            while (!stop.get()) {
              op.run();
              n++;
            }
            count.addAndGet(n);
            done.countDown();
          });
    }
    Thread.sleep(millis); // the measurement window itself, not a wait for async work
    stop.set(true);
    done.await();
    return count.get();
  }

  /**
   * Peak heap during a run: the sum of the heap pools' peak usage (an upper bound, garbage
   * included) and the largest heap in use right after a collection (the live set), sampled.
   */
  static final class HeapPeak {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong maxAfterGc = new AtomicLong();
    private final Thread sampler;
    private long poolPeaks;

    private HeapPeak() {
      sampler =
          new Thread(
              () -> {
                while (!stop.get()) {
                  long afterGc = 0;
                  for (MemoryPoolMXBean p : heapPools()) {
                    if (p.getCollectionUsage() != null) {
                      afterGc += p.getCollectionUsage().getUsed();
                    }
                  }
                  maxAfterGc.accumulateAndGet(afterGc, Math::max);
                  try {
                    Thread.sleep(100);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-sampler");
      sampler.setDaemon(true);
    }

    static HeapPeak start() {
      System.gc();
      heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
      HeapPeak h = new HeapPeak();
      h.sampler.start();
      return h;
    }

    void stop() throws InterruptedException {
      stop.set(true);
      sampler.join();
      poolPeaks = heapPools().stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    private static List<MemoryPoolMXBean> heapPools() {
      return ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(p -> p.getType() == MemoryType.HEAP)
          .toList();
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "heap: sum of pool peaks %,d MiB (garbage included); max live after GC %,d MiB",
          poolPeaks >> 20,
          maxAfterGc.get() >> 20);
    }
  }
}
