package io.sluice.testing;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Seeded property tests for plain JUnit 5: run a check on many generated values, each try from its
 * own seed, and on failure say how to replay exactly that try.
 *
 * <pre>{@code
 * @Test
 * void canonicalFormIsIdempotent() {
 *   Property.forAll(300, PolicyGenerators::policy, policy ->
 *       assertThat(canonicalAgain(policy)).isEqualTo(PolicyCodec.canonicalBytes(policy)));
 * }
 * }</pre>
 *
 * <p>A run takes its base seed from {@code -Dsluice.seed=S} or at random, and its number of tries
 * from {@code -Dsluice.tries=N} or the test's default. Try 0 draws from the base seed itself and
 * try i from a seed derived from it, so the seed a failure reports, given back as {@code
 * -Dsluice.seed}, makes the first try generate the failing value again. Generators take a {@link
 * Gen}, a {@link Random} with helpers; integers from {@link Gen#between} favour their bounds now
 * and then. There is no shrinking: generators should keep values small.
 */
public final class Property {
  /** The system property that fixes the base seed, to replay a failure. */
  public static final String SEED = "sluice.seed";

  /** The system property that overrides every property's number of tries. */
  public static final String TRIES = "sluice.tries";

  /** Below this many tries {@link #assertCoverage} does not judge the distribution. */
  static final int MIN_TRIES_FOR_COVERAGE = 50;

  private static final int MAX_VALUE_TEXT = 4_000;

  private Property() {}

  /** Makes a value from a try's randomness. */
  @FunctionalInterface
  public interface Generator<T> {
    T next(Gen gen);
  }

  /** The property: throws (an assertion or anything else) when it does not hold for a value. */
  @FunctionalInterface
  public interface Check<T> {
    void check(T value) throws Exception;
  }

  /**
   * Checks {@code check} on {@code tries} values (or {@code -Dsluice.tries}) from {@code
   * generator}.
   *
   * @return the number of tries run, for coverage counts
   * @throws AssertionError naming the property, the try, its seed and how to replay it
   */
  public static <T> int forAll(int tries, Generator<T> generator, Check<? super T> check) {
    return run(Integer.getInteger(TRIES, tries), baseSeed(), generator, check);
  }

  /** {@link #forAll(int, Generator, Check)} for a check that draws its own values. */
  public static int forAll(int tries, Check<Gen> check) {
    return forAll(tries, gen -> gen, check);
  }

  /**
   * Fails unless at least {@code minPercent} of {@code tries} were {@code hits}, so a property does
   * not pass vacuously (e.g. containment that never holds). Below {@value #MIN_TRIES_FOR_COVERAGE}
   * tries, as in a replay, it does not judge.
   */
  public static void assertCoverage(String what, int hits, int tries, int minPercent) {
    if (tries >= MIN_TRIES_FOR_COVERAGE && hits * 100L < (long) minPercent * tries) {
      throw new AssertionError(
          what + " in " + hits + " of " + tries + " tries; the property needs " + minPercent + "%");
    }
  }

  static <T> int run(int tries, long baseSeed, Generator<T> generator, Check<? super T> check) {
    if (tries < 1) {
      throw new IllegalArgumentException(TRIES + " must be at least 1, not " + tries);
    }
    for (int i = 0; i < tries; i++) {
      long seed = trySeed(baseSeed, i);
      T value = null;
      try {
        value = generator.next(new Gen(seed));
        check.check(value);
      } catch (Exception | AssertionError e) {
        throw failure(i, tries, baseSeed, seed, value, e);
      }
    }
    return tries;
  }

  /** Try 0 uses the base seed itself, so a reported try seed replays as the first try. */
  static long trySeed(long baseSeed, int index) {
    return index == 0 ? baseSeed : mix(baseSeed + index * 0x9E3779B97F4A7C15L);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static long baseSeed() {
    Long fixed = Long.getLong(SEED);
    return fixed != null ? fixed : ThreadLocalRandom.current().nextLong();
  }

  private static AssertionError failure(
      int index, int tries, long baseSeed, long seed, Object value, Throwable cause) {
    String name = propertyName();
    StringBuilder m = new StringBuilder();
    m.append("property ").append(name).append(" failed on try ").append(index + 1);
    m.append(" of ").append(tries).append(" (seed ").append(seed).append(")\n");
    m.append("  replay this try: -D").append(SEED).append('=').append(seed);
    m.append(" -D").append(TRIES).append("=1, e.g. ./mvnw -pl ").append(module());
    m.append(" test -Dtest='").append(name).append("' -D").append(SEED).append('=').append(seed);
    m.append(" -D").append(TRIES).append("=1\n");
    m.append("  all tries of this run: -D").append(SEED).append('=').append(baseSeed).append('\n');
    if (value != null) {
      m.append("  value: ").append(text(value)).append('\n');
    }
    m.append("  failure: ").append(cause);
    return new AssertionError(m.toString(), cause);
  }

  private static String text(Object value) {
    String s;
    try {
      s = String.valueOf(value);
    } catch (RuntimeException e) {
      return "(toString failed: " + e + ")";
    }
    return s.length() <= MAX_VALUE_TEXT ? s : s.substring(0, MAX_VALUE_TEXT) + "...";
  }

  private static String module() {
    return Optional.ofNullable(Path.of("").toAbsolutePath().getFileName())
        .map(Path::toString)
        .orElse("<module>");
  }

  /** {@code Class#method} of the calling test: a JUnit test method if there is one. */
  private static String propertyName() {
    List<StackWalker.StackFrame> frames =
        StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
            .walk(s -> s.filter(f -> f.getDeclaringClass() != Property.class).toList());
    for (StackWalker.StackFrame f : frames) {
      if (isTest(f)) {
        return name(f);
      }
    }
    return frames.isEmpty() ? "?" : name(frames.get(0));
  }

  private static boolean isTest(StackWalker.StackFrame frame) {
    for (Method m : frame.getDeclaringClass().getDeclaredMethods()) {
      if (m.getName().equals(frame.getMethodName())
          && Arrays.stream(m.getAnnotations())
              .anyMatch(a -> a.annotationType().getSimpleName().endsWith("Test"))) {
        return true;
      }
    }
    return false;
  }

  private static String name(StackWalker.StackFrame f) {
    return f.getDeclaringClass().getSimpleName() + "#" + f.getMethodName();
  }

  /** One try's randomness: a seeded {@link Random} with the helpers generators need. */
  public static final class Gen {
    private final long seed;
    private final Random random;

    Gen(long seed) {
      this.seed = seed;
      this.random = new Random(seed);
    }

    /** The seed of this try. */
    public long seed() {
      return seed;
    }

    /** The underlying random, e.g. for {@link Collections#shuffle(List, Random)}. */
    public Random random() {
      return random;
    }

    public boolean bool() {
      return random.nextBoolean();
    }

    /** True with probability {@code p}. */
    public boolean chance(double p) {
      return random.nextDouble() < p;
    }

    public long anyLong() {
      return random.nextLong();
    }

    /** An int in {@code [lo, hi]}; one time in 16 one of the bounds or their neighbours. */
    public int between(int lo, int hi) {
      return (int) between((long) lo, (long) hi);
    }

    /** A long in {@code [lo, hi]}; one time in 16 one of the bounds or their neighbours. */
    public long between(long lo, long hi) {
      if (lo > hi) {
        throw new IllegalArgumentException("empty range [" + lo + ", " + hi + "]");
      }
      if (random.nextInt(16) == 0) {
        long[] edges = {lo, hi, Math.min(hi, lo + 1), Math.max(lo, hi - 1)};
        return edges[random.nextInt(edges.length)];
      }
      long span = hi - lo + 1;
      return span > 0 ? lo + random.nextLong(span) : random.nextLong();
    }

    @SafeVarargs
    public final <T> T pick(T... values) {
      return values[random.nextInt(values.length)];
    }

    public <T> T pick(List<T> values) {
      return values.get(random.nextInt(values.size()));
    }

    /** One of {@code generators}, each as likely. */
    @SafeVarargs
    public final <T> T oneOf(Generator<? extends T>... generators) {
      return pick(generators).next(this);
    }

    /** An index into {@code weights}, each as likely as its weight. */
    public int weighted(int... weights) {
      int total = Arrays.stream(weights).sum();
      int r = random.nextInt(total);
      for (int i = 0; i < weights.length; i++) {
        r -= weights[i];
        if (r < 0) {
          return i;
        }
      }
      throw new IllegalStateException("unreachable");
    }

    /** Null with probability {@code p}, else a value from {@code generator}. */
    public <T> T nullable(double p, Generator<T> generator) {
      return chance(p) ? null : generator.next(this);
    }

    /** A list of {@code min..max} values. */
    public <T> List<T> list(int min, int max, Generator<T> generator) {
      int size = min + random.nextInt(max - min + 1);
      List<T> out = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        out.add(generator.next(this));
      }
      return out;
    }

    /** {@code min..max} distinct members of {@code pool}, in random order. */
    public <T> Set<T> subset(List<T> pool, int min, int max) {
      int size = min + random.nextInt(Math.min(max, pool.size()) - min + 1);
      List<T> shuffled = new ArrayList<>(new LinkedHashSet<>(pool));
      Collections.shuffle(shuffled, random);
      return new LinkedHashSet<>(shuffled.subList(0, size));
    }

    @Override
    public String toString() {
      return "Gen(seed " + seed + ")";
    }

    /**
     * A string of {@code min..max} characters; each is drawn from one of {@code alphabets} (each as
     * likely), so a small alphabet of tricky characters is not drowned by a large one.
     */
    public String string(int min, int max, String... alphabets) {
      int length = min + random.nextInt(max - min + 1);
      StringBuilder s = new StringBuilder(length);
      for (int i = 0; i < length; i++) {
        String alphabet = pick(alphabets);
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      return s.toString();
    }
  }
}
