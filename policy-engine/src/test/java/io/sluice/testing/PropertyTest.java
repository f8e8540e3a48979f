package io.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testing.Property.Gen;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PropertyTest {
  private static List<Integer> drawn(long baseSeed, int tries) {
    List<Integer> values = new ArrayList<>();
    Property.run(tries, baseSeed, g -> g.between(0, 1_000_000), values::add);
    return values;
  }

  @Test
  void runsEveryTryFromItsOwnSeedAndTheSameSeedGivesTheSameValues() {
    assertThat(drawn(42, 200)).isEqualTo(drawn(42, 200)).isNotEqualTo(drawn(43, 200));
    assertThat(new HashSet<>(drawn(42, 200))).hasSizeGreaterThan(150);
  }

  @Test
  void aFailureNamesThePropertyTheTryAndHowToReplayIt() {
    AssertionError e = failureOf(7, 100, g -> g.between(0, 99), v -> assertThat(v).isLessThan(90));

    assertThat(e.getMessage())
        .startsWith("property PropertyTest#aFailureNamesThePropertyTheTryAndHowToReplayIt failed")
        .contains("-Dsluice.seed=")
        .contains("-Dsluice.tries=1")
        .contains("-Dtest='PropertyTest#aFailureNamesThePropertyTheTryAndHowToReplayIt'")
        .contains("all tries of this run: -Dsluice.seed=7")
        .contains("value: 9")
        .contains("Expecting actual");
    assertThat(e.getCause()).isInstanceOf(AssertionError.class);
  }

  @Test
  void theReportedSeedReplaysTheFailingValueOnTheFirstTry() {
    Property.Generator<List<Integer>> lists = g -> g.list(0, 8, x -> x.between(-50, 50));
    Property.Check<List<Integer>> noSeven = v -> assertThat(v).doesNotContain(7);
    AssertionError first = failureOf(1234, 10_000, lists, noSeven);
    long seed = seedOf(first);
    String value = first.getMessage().replaceAll("(?s).*value: (\\[[^]]*]).*", "$1");

    AssertionError replayed = failureOf(seed, 1, lists, noSeven);

    assertThat(replayed.getMessage()).contains("failed on try 1 of 1").contains("value: " + value);
  }

  @Test
  void anExceptionInTheCheckIsAFailureWithItsValue() {
    AssertionError e =
        failureOf(
            5,
            10,
            g -> "x",
            v -> {
              throw new IllegalStateException("boom");
            });

    assertThat(e.getMessage()).contains("try 1 of 10").contains("value: x").contains("boom");
    assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void triesAndSeedComeFromSystemPropertiesWhenSet() {
    System.setProperty(Property.TRIES, "3");
    System.setProperty(Property.SEED, "99");
    try {
      List<Long> seeds = new ArrayList<>();
      assertThat(Property.forAll(500, g -> seeds.add(g.seed()))).isEqualTo(3);
      assertThat(seeds).containsExactly(99L, Property.trySeed(99, 1), Property.trySeed(99, 2));
    } finally {
      System.clearProperty(Property.TRIES);
      System.clearProperty(Property.SEED);
    }
  }

  @Test
  void integersStayInTheirRangeAndReachTheirBounds() {
    Set<Integer> seen = new HashSet<>();
    Property.run(2_000, 3, g -> g.between(-3, 3), seen::add);
    assertThat(seen).containsExactlyInAnyOrder(-3, -2, -1, 0, 1, 2, 3);
    Property.run(
        2_000,
        4,
        g -> g.between(Long.MIN_VALUE, Long.MAX_VALUE),
        v -> assertThat(v).isBetween(Long.MIN_VALUE, Long.MAX_VALUE));
  }

  @Test
  void helpersDrawWithinTheirBounds() {
    Property.run(
        500,
        11,
        g -> g,
        g -> {
          assertThat(g.list(1, 3, Gen::bool)).hasSizeBetween(1, 3);
          assertThat(g.subset(List.of("a", "b", "c", "d"), 1, 3))
              .hasSizeBetween(1, 3)
              .isSubsetOf("a", "b", "c", "d");
          assertThat(g.string(0, 6, "ab", "\u00e9")).hasSizeBetween(0, 6).matches("[ab\u00e9]*");
          assertThat(g.weighted(0, 5, 0)).isEqualTo(1);
          assertThat(g.pick("x", "y")).isIn("x", "y");
        });
  }

  @Test
  void coverageFailsOnlyWhenEnoughTriesRanAndTooFewHit() {
    Property.assertCoverage("contained", 30, 100, 25);
    Property.assertCoverage("contained", 0, 10, 25);
    assertThatThrownBy(() -> Property.assertCoverage("contained", 20, 100, 25))
        .hasMessage("contained in 20 of 100 tries; the property needs 25%");
  }

  private static <T> AssertionError failureOf(
      long seed, int tries, Property.Generator<T> generator, Property.Check<? super T> check) {
    try {
      Property.run(tries, seed, generator, check);
    } catch (AssertionError e) {
      return e;
    }
    throw new AssertionError("the property did not fail");
  }

  private static long seedOf(AssertionError e) {
    return Long.parseLong(e.getMessage().replaceAll("(?s).*\\(seed (-?\\d+)\\).*", "$1"));
  }
}
