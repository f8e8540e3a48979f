package io.sluice.negotiation;

import static io.sluice.negotiation.NegotiationPair.OFFER;
import static io.sluice.negotiation.NegotiationPair.REFUSED;
import static io.sluice.negotiation.NegotiationPair.RETRY;
import static io.sluice.negotiation.NegotiationPair.WIDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.proto.v1.NegotiationMessage;
import io.sluice.store.Database;
import io.sluice.testing.Property;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both sides agree after crashes, lost messages and timeouts: whatever happened, once the link is
 * healed and both retry loops have run, every negotiation is known to both stores, final on both,
 * and either in force on both with the same agreement or in force on neither ({@link
 * StoreComparison}). Subclasses run it on SQLite and PostgreSQL.
 */
abstract class NegotiationRecoveryContractTest {
  @TempDir Path dir;

  NegotiationPair pair;

  abstract Database consumerDb();

  abstract Database providerDb();

  @BeforeEach
  void wire() {
    pair = new NegotiationPair(dir, consumerDb(), providerDb(), 7L);
  }

  StoreComparison.Result compare() {
    return StoreComparison.compare(pair.consumerStore, "insurer-a", pair.providerStore, "fund");
  }

  /** Ticks the consumer's retry loop, the clock moving on, until {@code id} is final there. */
  Negotiation untilConsumerFinal(String id) {
    for (int round = 0; round < 500; round++) {
      Negotiation n = pair.consumerStore.find(id).orElseThrow();
      if (n.state().isFinal()) {
        return n;
      }
      pair.clock.advance(RETRY.maxDelay());
      pair.consumer.retryPending();
    }
    throw new AssertionError("negotiation " + id + " never became final on the consumer");
  }

  /**
   * The measured case: the provider agreed, every reply to the consumer was lost until the consumer
   * gave up. Before, the provider held AGREED for good; now the consumer's notice ends it there.
   */
  @Test
  void aConsumerThatNeverSawTheAgreementGivesUpAndTheProviderEndsItToo() {
    pair.loseReplyToConsumer = m -> true;
    Negotiation c = pair.request(OFFER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.REQUESTED);
    Negotiation gaveUp = untilConsumerFinal(c.id());
    assertThat(gaveUp.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(gaveUp.reasons()).anyMatch(r -> r.contains("given up"));
    Negotiation p = pair.providerSide(c.id()).orElseThrow();
    assertThat(p.state()).isEqualTo(NegotiationState.AGREED);
    assertThat(compare().agree()).isFalse();

    pair.settle();
    p = pair.providerSide(c.id()).orElseThrow();
    assertThat(p.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(p.reasons()).anyMatch(r -> r.contains("insurer-a terminated"));
    assertThat(pair.providerStore.agreement(p.agreementId()).orElseThrow().terminated()).isTrue();
    assertThat(compare().disagreements()).isEmpty();
  }

  /**
   * The consumer verified but crashed before the verification got out, and stays away: the provider
   * gives up on the AGREED negotiation after its timeout, says so, and both end TERMINATED once the
   * consumer is back (its late verification is answered with the termination).
   */
  @Test
  void aProviderLeftInAgreedPastItsTimeoutTerminatesAndSaysSo() {
    pair.dropToProvider = NegotiationMessage::hasVerification;
    Negotiation c = pair.request(OFFER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.VERIFIED);
    pair.consumerDown = true;
    pair.clock.advance(RETRY.agreedTimeout().minusSeconds(1));
    pair.provider.retryPending();
    assertThat(pair.providerSide(c.id()).orElseThrow().state()).isEqualTo(NegotiationState.AGREED);
    pair.clock.advance(Duration.ofSeconds(2));
    pair.provider.retryPending();
    Negotiation p = pair.providerSide(c.id()).orElseThrow();
    assertThat(p.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(p.reasons())
        .anyMatch(r -> r.contains("insurer-a did not answer within 60 s of AGREED"));
    assertThat(p.hasPending()).as("the termination waits for the consumer").isTrue();
    assertThat(pair.providerStore.agreement(p.agreementId()).orElseThrow().terminated()).isTrue();

    pair.settle();
    assertThat(pair.consumerStore.find(c.id()).orElseThrow().state())
        .isEqualTo(NegotiationState.TERMINATED);
    assertThat(pair.providerSide(c.id()).orElseThrow().hasPending()).isFalse();
    assertThat(compare().disagreements()).isEmpty();
  }

  /**
   * The known corner: the consumer's verification was delivered (the provider FINALIZED) but every
   * reply was lost. The consumer ends TERMINATED after the window and now tells the provider, which
   * ends the agreement: no agreement is in force on either side.
   */
  @Test
  void aVerificationWhoseEveryReplyIsLostEndsWithNoAgreementInForceOnEitherSide() {
    pair.loseReplyToConsumer = NegotiationMessage::hasVerification;
    Negotiation c = pair.request(OFFER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.VERIFIED);
    assertThat(pair.providerSide(c.id()).orElseThrow().state())
        .isEqualTo(NegotiationState.FINALIZED);
    Negotiation gaveUp = untilConsumerFinal(c.id());
    assertThat(gaveUp.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(gaveUp.hasPending()).as("a termination for the provider").isTrue();

    pair.settle();
    Negotiation p = pair.providerSide(c.id()).orElseThrow();
    assertThat(p.state()).isEqualTo(NegotiationState.FINALIZED);
    var theirs = pair.providerStore.agreement(p.agreementId()).orElseThrow();
    assertThat(theirs.terminated()).isTrue();
    assertThat(theirs.terminatedReason()).contains("insurer-a terminated");
    assertThat(pair.consumerStore.agreement(c.agreementId()).orElseThrow().terminated()).isTrue();
    StoreComparison.Result result = compare();
    assertThat(result.disagreements()).isEmpty();
    assertThat(result.inForce()).isZero();
  }

  /** A request that arrives after its own termination (reordered or re-sent) makes nothing. */
  @Test
  void aTerminationThatOvertakesItsRequestLeavesNoAgreement() {
    pair.providerDown = true;
    Negotiation c = pair.request(OFFER, "");
    NegotiationMessage request = NegotiationManager.parseMessage(c.pending());
    assertThat(untilConsumerFinal(c.id()).state()).isEqualTo(NegotiationState.TERMINATED);
    pair.settle();
    assertThat(pair.providerSide(c.id()).orElseThrow().state())
        .isEqualTo(NegotiationState.TERMINATED);

    assertThatThrownBy(() -> pair.provider.handle(pair.insurer.identity(), request, "late"))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
    assertThat(pair.providerStore.list()).hasSize(1);
    assertThat(pair.providerStore.agreements()).isEmpty();
    assertThat(compare().disagreements()).isEmpty();
  }

  /** Both sides end the same negotiation at once: each acknowledges the other's notice. */
  @Test
  void bothSidesTerminatingAtOnceEndInAgreement() {
    pair.dropToProvider = NegotiationMessage::hasVerification;
    Negotiation c = pair.request(OFFER, "");
    pair.providerDown = true;
    pair.dropToProvider = m -> false;
    pair.consumer.terminate(c.id(), "changed our mind");
    pair.consumerDown = true;
    pair.providerDown = false;
    pair.provider.terminate(pair.providerSide(c.id()).orElseThrow().id(), "so did we");
    pair.settle();
    assertThat(pair.consumerStore.find(c.id()).orElseThrow().state())
        .isEqualTo(NegotiationState.TERMINATED);
    assertThat(pair.providerSide(c.id()).orElseThrow().state())
        .isEqualTo(NegotiationState.TERMINATED);
    assertThat(compare().disagreements()).isEmpty();
  }

  /** What a try of the property does, for the failure message. */
  record Step(String what) {
    @Override
    public String toString() {
      return what;
    }
  }

  /** One try's weather: how lossy the link is, and for how many more steps each node is down. */
  static final class Weather {
    final Random chaos;
    final double lose;
    int providerDownFor;
    int consumerDownFor;

    Weather(Random chaos, double lose) {
      this.chaos = chaos;
      this.lose = lose;
    }

    boolean lost() {
      return chaos.nextDouble() < lose;
    }
  }

  /**
   * Random requests, repeats of client request ids, crashes of either node (down for a few steps),
   * lost messages and lost replies, clock jumps past the retry window and the provider's timeout,
   * retry rounds and operator terminations on either side: after healing and settling, both stores
   * agree on every negotiation, no request id made two negotiations, and no save ever left the
   * transition table (the stores check that on every write).
   */
  @Test
  void randomFailuresNeverLeaveTheStoresDisagreeing() {
    int[] eventful = {0};
    int tries =
        Property.forAll(
            30,
            gen -> {
              pair.restart(gen.seed());
              Weather weather = new Weather(new Random(gen.anyLong()), gen.pick(0.0, 0.3, 0.6));
              pair.dropToProvider = m -> weather.lost();
              pair.dropToConsumer = m -> weather.lost();
              pair.loseReplyToConsumer = m -> weather.lost();
              pair.loseReplyToProvider = m -> weather.lost();
              List<Step> steps = new ArrayList<>();
              Map<String, NegotiationManager.ConsumerRequest> asked = new HashMap<>();
              Map<String, String> started = new HashMap<>();
              int count = gen.between(6, 30);
              for (int i = 0; i < count; i++) {
                pair.providerDown = weather.providerDownFor-- > 0;
                pair.consumerDown = weather.consumerDownFor-- > 0;
                steps.add(step(gen, weather, i, asked, started));
              }
              pair.settle();
              StoreComparison.Result result = compare();
              assertThat(result.disagreements()).as("after %s", steps).isEmpty();
              for (var e : started.entrySet()) {
                assertThat(pair.consumer.findByRequestId(e.getKey()))
                    .map(Negotiation::id)
                    .contains(e.getValue());
              }
              if (started.values().stream().anyMatch(this::endedTheHardWay)) {
                eventful[0]++;
              }
            });
    Property.assertCoverage(
        "a negotiation given up, timed out or finalized and then ended", eventful[0], tries, 30);
  }

  /**
   * Given up for an unreachable peer, terminated by the provider's timeout, or ended after it was
   * finalized.
   */
  private boolean endedTheHardWay(String consumerId) {
    Negotiation c = pair.consumerStore.find(consumerId).orElseThrow();
    Negotiation p = pair.providerSide(consumerId).orElseThrow();
    return c.reasons().stream().anyMatch(r -> r.contains("given up"))
        || p.reasons().stream().anyMatch(r -> r.contains("did not answer within"))
        || (p.state() == NegotiationState.FINALIZED
            && !StoreComparison.inForce(p, pair.providerStore));
  }

  private Step step(
      Property.Gen gen,
      Weather weather,
      int i,
      Map<String, NegotiationManager.ConsumerRequest> asked,
      Map<String, String> started) {
    switch (gen.weighted(8, 2, 2, 3, 6, 2)) {
      case 0 -> {
        if (pair.consumerDown) {
          return new Step("request skipped (consumer down)");
        }
        NegotiationManager.ConsumerRequest request =
            !asked.isEmpty() && gen.chance(0.25)
                ? gen.pick(new ArrayList<>(asked.values()))
                : newRequest(gen, "r-" + gen.seed() + "-" + i);
        asked.put(request.requestId(), request);
        Negotiation n = pair.consumer.request(request);
        String first = started.putIfAbsent(request.requestId(), n.id());
        assertThat(n.id())
            .as("repeat of %s", request.requestId())
            .isEqualTo(first == null ? n.id() : first);
        return new Step("request " + request.requestId() + " -> " + n.state());
      }
      case 1 -> {
        weather.providerDownFor = gen.between(1, 6);
        return new Step("provider crashes for " + weather.providerDownFor + " steps");
      }
      case 2 -> {
        weather.consumerDownFor = gen.between(1, 6);
        return new Step("consumer crashes for " + weather.consumerDownFor + " steps");
      }
      case 3 -> {
        long ms = gen.between(0L, RETRY.agreedTimeout().toMillis() + 5_000);
        pair.clock.advance(Duration.ofMillis(ms));
        return new Step("clock +" + ms + " ms");
      }
      case 4 -> {
        pair.clock.advance(RETRY.maxDelay());
        pair.tick();
        return new Step("retry round");
      }
      default -> {
        return terminateOne(gen, started);
      }
    }
  }

  private NegotiationManager.ConsumerRequest newRequest(Property.Gen gen, String requestId) {
    String[][] kinds = {{OFFER, ""}, {WIDER, OFFER}, {WIDER, ""}, {REFUSED, ""}};
    String[] kind = gen.pick(kinds);
    return new NegotiationManager.ConsumerRequest(
        "fund",
        "settlements",
        "claims",
        "claims-settlement",
        kind[0],
        kind[1],
        "trace",
        requestId,
        "digest-" + requestId);
  }

  /** An operator on either side ends one of this try's negotiations (or its agreement). */
  private Step terminateOne(Property.Gen gen, Map<String, String> started) {
    boolean consumerSide = gen.bool();
    if (consumerSide ? pair.consumerDown : pair.providerDown) {
      return new Step("terminate skipped (node down)");
    }
    if (started.isEmpty()) {
      return new Step("terminate skipped (none)");
    }
    String consumerId = gen.pick(new ArrayList<>(started.values()));
    var target = consumerSide ? pair.consumerStore.find(consumerId) : pair.providerSide(consumerId);
    if (target.isEmpty()) {
      return new Step("terminate skipped (unknown to the provider)");
    }
    try {
      (consumerSide ? pair.consumer : pair.provider).terminate(target.get().id(), "operator");
      return new Step((consumerSide ? "consumer" : "provider") + " terminated " + consumerId);
    } catch (SluiceException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
      return new Step("terminate refused: " + e.getMessage());
    }
  }
}
