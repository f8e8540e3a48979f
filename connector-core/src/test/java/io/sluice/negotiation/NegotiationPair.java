package io.sluice.negotiation;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.PeerIdentity;
import io.sluice.identity.TestAuthority;
import io.sluice.proto.v1.NegotiationMessage;
import io.sluice.store.Database;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A consumer (insurer-a) and a provider (fund) wired in memory over a link that tests can cut, make
 * lose replies, or tamper with, sharing one fake clock. Every message that reached a handler is
 * recorded with its reply, so tests can deliver it again. The policy decisions come from a scripted
 * judge so that these tests are about the protocol; the node's tests run the real policy engine.
 * Both stores fail any save whose change of state is not in the transition table.
 *
 * <p>A crash is modelled by what the other side can observe of it: a node that dies before it
 * persisted a message never got it (the link was down), one that dies after persisting but before
 * answering lost the reply; everything else a node knows is in its store, which survives.
 */
final class NegotiationPair {
  static final String OFFER = "{\"offer\":\"claims\"}";
  static final String WIDER = "{\"offer\":\"claims\",\"wider\":true}";
  static final String REFUSED = "{\"refuse\":true}";

  /** Short enough that tests settle in a few hundred fake seconds. */
  static final RetryPolicy RETRY =
      new RetryPolicy(
          Duration.ofMillis(100),
          Duration.ofSeconds(2),
          Duration.ofSeconds(30),
          Duration.ofSeconds(60));

  /** One delivery that reached a handler; {@code reply} is null when the handler threw. */
  record Exchange(NegotiationMessage message, NegotiationMessage reply, ErrorCode error) {}

  final StepClock clock = new StepClock(System.currentTimeMillis());
  final AuthorityTrust trust;
  final NodeCredentials fund;
  final NodeCredentials insurer;
  final NegotiationStore consumerStore;
  final NegotiationStore providerStore;
  final OfferBook offers;
  volatile NegotiationManager consumer;
  volatile NegotiationManager provider;
  final List<Exchange> toProvider = Collections.synchronizedList(new ArrayList<>());
  final List<Exchange> toConsumer = Collections.synchronizedList(new ArrayList<>());

  volatile boolean providerDown;
  volatile boolean consumerDown;

  /** Whether this message from the consumer is lost before it reaches the provider. */
  volatile Predicate<NegotiationMessage> dropToProvider = m -> false;

  /** Whether this message from the provider is lost before it reaches the consumer. */
  volatile Predicate<NegotiationMessage> dropToConsumer = m -> false;

  /** Whether the provider's reply to this message is lost on its way to the consumer. */
  volatile Predicate<NegotiationMessage> loseReplyToConsumer = m -> false;

  /** Whether the consumer's reply to this message is lost on its way to the provider. */
  volatile Predicate<NegotiationMessage> loseReplyToProvider = m -> false;

  volatile UnaryOperator<NegotiationMessage> tamperRequest = m -> m;
  volatile UnaryOperator<NegotiationMessage> tamperReply = m -> m;

  NegotiationPair(Path dir, Database consumerDb, Database providerDb, long seed) {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    trust = ca.trust();
    fund = ca.issue("fund", List.of("medical-insurance-fund"), Map.of()).credentials(trust);
    insurer = ca.issue("insurer-a", List.of("commercial-insurer"), Map.of()).credentials(trust);
    consumerStore = new TransitionCheckingStore(new JdbcNegotiationStore(consumerDb));
    providerStore = new TransitionCheckingStore(new JdbcNegotiationStore(providerDb));
    offers =
        (ds, offer) ->
            ds.equals("settlements") && offer.equals("claims")
                ? Optional.of(OFFER)
                : Optional.empty();
    restart(seed);
  }

  /**
   * New managers over the same stores (what a restart of both nodes leaves), with jitter drawn from
   * {@code seed}, and a healed, empty link.
   */
  void restart(long seed) {
    provider =
        new NegotiationManager(
            fund,
            trust,
            providerStore,
            this::deliverToConsumer,
            new ScriptedJudge(),
            offers,
            NegotiationListener.NONE,
            clock,
            RETRY,
            new Random(seed));
    consumer =
        new NegotiationManager(
            insurer,
            trust,
            consumerStore,
            this::deliverToProvider,
            new ScriptedJudge(),
            (ds, o) -> Optional.empty(),
            NegotiationListener.NONE,
            clock,
            RETRY,
            new Random(~seed));
    heal();
    toProvider.clear();
    toConsumer.clear();
  }

  void heal() {
    providerDown = false;
    consumerDown = false;
    dropToProvider = m -> false;
    dropToConsumer = m -> false;
    loseReplyToConsumer = m -> false;
    loseReplyToProvider = m -> false;
  }

  private NegotiationMessage deliverToProvider(
      String to, NegotiationMessage message, String trace) {
    if (providerDown || dropToProvider.test(message)) {
      throw new SluiceException(ErrorCode.UNAVAILABLE, "fund is unreachable");
    }
    NegotiationMessage sent = tamperRequest.apply(message);
    NegotiationMessage reply =
        handled(toProvider, sent, () -> provider.handle(insurer.identity(), sent, trace));
    if (loseReplyToConsumer.test(sent)) {
      throw new SluiceException(ErrorCode.UNAVAILABLE, "fund did not answer in time");
    }
    return tamperReply.apply(reply);
  }

  private NegotiationMessage deliverToConsumer(
      String to, NegotiationMessage message, String trace) {
    if (consumerDown || dropToConsumer.test(message)) {
      throw new SluiceException(ErrorCode.UNAVAILABLE, "insurer-a is unreachable");
    }
    NegotiationMessage reply =
        handled(toConsumer, message, () -> consumer.handle(fund.identity(), message, trace));
    if (loseReplyToProvider.test(message)) {
      throw new SluiceException(ErrorCode.UNAVAILABLE, "insurer-a did not answer in time");
    }
    return reply;
  }

  private static NegotiationMessage handled(
      List<Exchange> log,
      NegotiationMessage message,
      java.util.function.Supplier<NegotiationMessage> handler) {
    try {
      NegotiationMessage reply = handler.get();
      log.add(new Exchange(message, reply, null));
      return reply;
    } catch (SluiceException e) {
      log.add(new Exchange(message, null, e.code()));
      throw e;
    }
  }

  Negotiation request(String policy, String acceptable) {
    return consumer.request(
        new NegotiationManager.ConsumerRequest(
            "fund", "settlements", "claims", "claims-settlement", policy, acceptable, "trace-1"));
  }

  /** The provider's side of the consumer's negotiation {@code consumerId}, if it knows it. */
  Optional<Negotiation> providerSide(String consumerId) {
    return providerStore.findByPeer(Role.PROVIDER, "insurer-a", consumerId);
  }

  /** One round of each live node's retry loop. */
  void tick() {
    if (!consumerDown) {
      consumer.retryPending();
    }
    if (!providerDown) {
      provider.retryPending();
    }
  }

  /**
   * Heals the link and lets both retry loops run, the clock moving on, until neither side has
   * anything to deliver and the provider waits for nobody; fails if that takes too long.
   */
  void settle() {
    heal();
    for (int round = 0; round < 1000; round++) {
      if (quiet()) {
        return;
      }
      clock.advance(RETRY.maxDelay().plusMillis(1));
      tick();
    }
    throw new AssertionError(
        "the pair did not settle: consumer "
            + consumerStore.list()
            + ", provider "
            + providerStore.list());
  }

  private boolean quiet() {
    return consumerStore.pending().isEmpty()
        && providerStore.pending().isEmpty()
        && providerStore.list().stream()
            .noneMatch(
                n -> n.state() == NegotiationState.OFFERED || n.state() == NegotiationState.AGREED);
  }

  /**
   * A clock tests move by hand that also moves one millisecond on every reading, so that no two
   * events share a time and the order of due messages (by time, then creation) does not depend on
   * random ids: a property's seed replays it exactly.
   */
  static final class StepClock extends Clock {
    private final AtomicLong millis;

    StepClock(long startMillis) {
      this.millis = new AtomicLong(startMillis);
    }

    void advance(Duration d) {
      millis.addAndGet(d.toMillis());
    }

    @Override
    public long millis() {
      return millis.getAndIncrement();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  /**
   * Agrees to an exact copy of the offer, counters a wider request with the offer, refuses the
   * rest.
   */
  static final class ScriptedJudge implements PolicyJudge {
    @Override
    public Verdict judgeRequest(
        String offer, String request, PeerIdentity consumer, String purpose, Instant now) {
      if (request.equals(offer)) {
        return new Agree(canonical(request), now.plus(Duration.ofDays(30)));
      }
      if (request.equals(WIDER)) {
        return new Counter(offer, List.of("the request is wider than the offer"));
      }
      return new Refuse(List.of("/permission/0/constraint/0: role must be commercial-insurer"));
    }

    @Override
    public Verdict judgeAccepted(String offer, String counter, PeerIdentity consumer, Instant now) {
      return counter.equals(offer)
          ? new Agree(canonical(counter), now.plus(Duration.ofDays(30)))
          : new Refuse(List.of("changed"));
    }

    @Override
    public Verdict judgeCounter(String counter, String acceptable) {
      return counter.equals(acceptable)
          ? new Agree(canonical(counter), Instant.MAX)
          : new Refuse(List.of("outside the acceptable terms"));
    }

    @Override
    public byte[] canonical(String policyJson) {
      return policyJson.strip().getBytes(StandardCharsets.UTF_8);
    }
  }
}
