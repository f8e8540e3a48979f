package io.sluice.negotiation;

import static io.sluice.negotiation.NegotiationPair.OFFER;
import static io.sluice.negotiation.NegotiationPair.REFUSED;
import static io.sluice.negotiation.NegotiationPair.RETRY;
import static io.sluice.negotiation.NegotiationPair.WIDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.proto.v1.Agreement;
import io.sluice.proto.v1.ContractOffer;
import io.sluice.proto.v1.NegotiationMessage;
import io.sluice.proto.v1.SignedAgreement;
import io.sluice.store.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The negotiation protocol between two managers wired in memory, each with its own SQLite store
 * ({@link NegotiationRecoveryContractTest} and {@link NegotiationReplayContractTest} run the crash
 * and replay cases on SQLite and PostgreSQL).
 */
class NegotiationProtocolTest {
  @TempDir Path dir;
  @RegisterExtension final TestDatabases.Store consumerDb = TestDatabases.sqlite();
  @RegisterExtension final TestDatabases.Store providerDb = TestDatabases.sqlite();

  NegotiationPair pair;
  NegotiationStore consumerStore;
  NegotiationStore providerStore;

  @BeforeEach
  void wire() {
    pair = new NegotiationPair(dir, consumerDb.open(), providerDb.open(), 20260301L);
    consumerStore = pair.consumerStore;
    providerStore = pair.providerStore;
  }

  Negotiation request(String policy, String acceptable) {
    return pair.request(policy, acceptable);
  }

  Negotiation providerSide() {
    return providerStore.list().get(0);
  }

  @Test
  void agreesAndBothNodesStoreIdenticalBytesWithBothSignaturesValid() {
    Negotiation c = request(OFFER, "");

    assertThat(c.state()).isEqualTo(NegotiationState.FINALIZED);
    Negotiation p = providerSide();
    assertThat(p.state()).isEqualTo(NegotiationState.FINALIZED);
    assertThat(p.agreementId()).isEqualTo(c.agreementId()).isNotEmpty();
    assertThat(p.traceId()).isEqualTo("trace-1");
    var mine = consumerStore.agreement(c.agreementId()).orElseThrow();
    var theirs = providerStore.agreement(c.agreementId()).orElseThrow();
    assertThat(mine.signedAgreement()).isEqualTo(theirs.signedAgreement());
    assertThat(mine.finalized()).isTrue();
    assertThat(theirs.finalized()).isTrue();
    Agreements.Check check =
        Agreements.check(Agreements.parseSigned(mine.signedAgreement()), pair.trust);
    assertThat(check.fullyValid()).as(check.problems().toString()).isTrue();
    var agreement = Agreements.parse(Agreements.parseSigned(mine.signedAgreement()));
    assertThat(agreement.getProviderId()).isEqualTo("fund");
    assertThat(agreement.getConsumerId()).isEqualTo("insurer-a");
    assertThat(agreement.getNegotiationId()).isEqualTo(c.id());
    assertThat(agreement.getPurpose()).isEqualTo("claims-settlement");
    assertThat(agreement.getPolicy().toStringUtf8()).isEqualTo(OFFER);
    assertThat(pair.toProvider).hasSize(2); // request -> agreement, verification -> finalized
  }

  @Test
  void acceptsACounterOfferWithinTheAcceptableTerms() {
    Negotiation c = request(WIDER, OFFER);
    assertThat(c.state()).isEqualTo(NegotiationState.FINALIZED);
    assertThat(c.offeredPolicy()).isEqualTo(OFFER);
    assertThat(
            Agreements.parse(
                    Agreements.parseSigned(
                        consumerStore.agreement(c.agreementId()).orElseThrow().signedAgreement()))
                .getPolicy()
                .toStringUtf8())
        .isEqualTo(OFFER);
    assertThat(providerSide().state()).isEqualTo(NegotiationState.FINALIZED);
  }

  @Test
  void declinesACounterOfferOutsideTheAcceptableTermsAndTellsTheProvider() {
    Negotiation c = request(WIDER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(c.reasons())
        .anyMatch(r -> r.contains("counter-offer declined"))
        .anyMatch(r -> r.contains("outside the acceptable terms"));
    assertThat(c.hasPending()).isFalse();
    assertThat(providerSide().state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(consumerStore.agreements()).isEmpty();
    assertThat(providerStore.agreements()).isEmpty();
  }

  @Test
  void refusalNamesTheFailingConstraintToTheConsumer() {
    Negotiation c = request(REFUSED, "");
    assertThat(c.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(c.reasons()).anyMatch(r -> r.contains("role must be commercial-insurer"));
    assertThat(providerSide().state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(providerSide().reasons())
        .anyMatch(r -> r.contains("role must be commercial-insurer"));
  }

  @Test
  void unknownOfferIsRefused() {
    Negotiation c =
        pair.consumer.request(
            new NegotiationManager.ConsumerRequest(
                "fund", "settlements", "nope", "p", OFFER, "", "t"));
    assertThat(c.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(c.reasons()).anyMatch(r -> r.contains("no offer 'nope'"));
  }

  @Test
  void replayingEveryMessageChangesNothingAndNeverCreatesASecondAgreement() {
    Negotiation c = request(WIDER, OFFER);
    assertThat(c.state()).isEqualTo(NegotiationState.FINALIZED);
    Negotiation before = providerSide();
    assertThat(pair.toProvider)
        .hasSize(3); // request -> offer, accepted -> agreement, verification -> finalized
    for (NegotiationPair.Exchange exchange : List.copyOf(pair.toProvider)) {
      NegotiationMessage again =
          pair.provider.handle(pair.insurer.identity(), exchange.message(), "trace-1");
      assertThat(again).isEqualTo(exchange.reply());
    }
    Negotiation after = providerSide();
    assertThat(after.state()).isEqualTo(before.state());
    assertThat(after.version()).isEqualTo(before.version());
    assertThat(providerStore.agreements()).hasSize(1);
    assertThat(providerStore.list()).hasSize(1);
  }

  @Test
  void aNewMessageThatIsIllegalInTheCurrentStateIsAProtocolViolation() {
    Negotiation c = request(OFFER, "");
    NegotiationMessage verification = pair.toProvider.get(1).message();
    NegotiationMessage late = verification.toBuilder().setMessageId("another-id").build();
    assertThatThrownBy(() -> pair.provider.handle(pair.insurer.identity(), late, "t"))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
    assertThat(providerSide().state()).isEqualTo(NegotiationState.FINALIZED);
    assertThat(c.state()).isEqualTo(NegotiationState.FINALIZED);
  }

  @Test
  void anotherParticipantCannotTouchTheNegotiation() {
    request(OFFER, "");
    NegotiationMessage verification =
        pair.toProvider.get(1).message().toBuilder().setMessageId("x").build();
    assertThatThrownBy(() -> pair.provider.handle(pair.fund.identity(), verification, "t"))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void consumerRefusesATamperedAgreementAndNothingIsFinalized() {
    pair.tamperReply =
        m -> {
          if (!m.hasAgreement()) {
            return m;
          }
          SignedAgreement s = m.getAgreement().getAgreement();
          byte[] bytes = s.getAgreement().toByteArray();
          bytes[bytes.length - 1] ^= 1;
          return m.toBuilder()
              .setAgreement(
                  m.getAgreement().toBuilder()
                      .setAgreement(s.toBuilder().setAgreement(ByteString.copyFrom(bytes))))
              .build();
        };
    Negotiation c = request(OFFER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(c.reasons()).anyMatch(r -> r.contains("agreement from fund refused"));
    assertThat(consumerStore.agreements()).isEmpty();
    assertThat(providerSide().state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(providerStore.agreements()).noneMatch(NegotiationStore.StoredAgreement::finalized);
    assertThat(providerStore.agreements()).allMatch(NegotiationStore.StoredAgreement::terminated);
  }

  /** A provider that signs an agreement other than the one negotiated, validly. */
  private UnaryOperator<NegotiationMessage> resignedAgreement(
      UnaryOperator<Agreement.Builder> lie) {
    return m -> {
      if (!m.hasAgreement()) {
        return m;
      }
      Agreement honest;
      try {
        honest = Agreement.parseFrom(m.getAgreement().getAgreement().getAgreement());
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
      SignedAgreement forged =
          Agreements.signAsProvider(lie.apply(honest.toBuilder()).build(), pair.fund);
      return m.toBuilder().setAgreement(m.getAgreement().toBuilder().setAgreement(forged)).build();
    };
  }

  @Test
  void consumerRefusesAValidlySignedAgreementForAnotherPurpose() {
    pair.tamperReply = resignedAgreement(a -> a.setPurpose("marketing"));
    Negotiation c = request(OFFER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(c.reasons()).anyMatch(r -> r.contains("the agreement is for purpose 'marketing'"));
    assertThat(consumerStore.agreements()).isEmpty();
    assertThat(providerSide().state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(providerStore.agreements()).allMatch(NegotiationStore.StoredAgreement::terminated);
  }

  @Test
  void consumerRefusesAValidlySignedAgreementForAnotherNegotiationOrOffer() {
    pair.tamperReply = resignedAgreement(a -> a.setNegotiationId("someone-elses"));
    Negotiation c = request(OFFER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(c.reasons())
        .anyMatch(r -> r.contains("the agreement is for negotiation 'someone-elses'"));

    pair.tamperReply = resignedAgreement(a -> a.setOfferId("premium"));
    Negotiation d = request(OFFER, "");
    assertThat(d.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(d.reasons()).anyMatch(r -> r.contains("the agreement is for offer 'premium'"));
    assertThat(consumerStore.agreements()).isEmpty();
  }

  @Test
  void agreementProblemsNameEveryFieldThatDiffers() {
    Negotiation n =
        new Negotiation(
            "c-1",
            Role.CONSUMER,
            "fund",
            "p-1",
            "settlements",
            "claims",
            NegotiationState.REQUESTED,
            "claims-settlement",
            OFFER,
            "",
            "",
            "",
            List.of(),
            Outgoing.NONE,
            "t",
            0,
            0,
            1);
    Agreement honest =
        Agreement.newBuilder()
            .setConsumerId("insurer-a")
            .setProviderId("fund")
            .setDatasetId("settlements")
            .setOfferId("claims")
            .setNegotiationId("c-1")
            .setPurpose("claims-settlement")
            .setPolicy(ByteString.copyFromUtf8(OFFER))
            .setValidUntilMs(2000)
            .build();
    byte[] policy = OFFER.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(NegotiationManager.agreementProblems(n, honest, "insurer-a", policy, 1000))
        .isEmpty();
    Agreement lie =
        honest.toBuilder()
            .setConsumerId("insurer-b")
            .setProviderId("other")
            .setDatasetId("x")
            .setOfferId("y")
            .setNegotiationId("z")
            .setPurpose("marketing")
            .setPolicy(ByteString.copyFromUtf8("{}"))
            .setValidUntilMs(1000)
            .build();
    assertThat(NegotiationManager.agreementProblems(n, lie, "insurer-a", policy, 1000)).hasSize(8);
  }

  @Test
  void aSecondCounterOfferIsTheProvidersProtocolViolationAndEndsTheNegotiationOnBothSides() {
    pair.tamperReply =
        m ->
            m.hasAgreement()
                ? m.toBuilder().setOffer(ContractOffer.newBuilder().setPolicyJson(OFFER)).build()
                : m;
    Negotiation c = request(WIDER, OFFER);
    assertThat(c.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(c.reasons())
        .anyMatch(
            r ->
                r.contains("protocol violation by fund: counter-offer received in state ACCEPTED"));
    assertThat(providerSide().state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(StoreComparison.compare(consumerStore, "insurer-a", providerStore, "fund").agree())
        .isTrue();
  }

  @Test
  void aReplyForAnotherProviderNegotiationIsRefused() {
    pair.tamperReply = m -> m.hasEvent() ? m.toBuilder().setProviderPid("another").build() : m;
    Negotiation c = request(OFFER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(c.reasons()).anyMatch(r -> r.contains("the reply is for negotiation another"));
    // The provider had finalized; the consumer's notice ended the agreement there too.
    assertThat(providerSide().state()).isEqualTo(NegotiationState.FINALIZED);
    assertThat(providerStore.agreement(c.agreementId()).orElseThrow().terminated()).isTrue();
    assertThat(StoreComparison.compare(consumerStore, "insurer-a", providerStore, "fund").agree())
        .isTrue();
  }

  @Test
  void providerRefusesATamperedCountersignatureAndTheConsumersNoticeEndsItThere() {
    pair.tamperRequest =
        m -> {
          if (!m.hasVerification()) {
            return m;
          }
          SignedAgreement s = m.getVerification().getAgreement();
          byte[] sig = s.getConsumerSignature().toByteArray();
          sig[sig.length - 1] ^= 1;
          return m.toBuilder()
              .setVerification(
                  m.getVerification().toBuilder()
                      .setAgreement(s.toBuilder().setConsumerSignature(ByteString.copyFrom(sig))))
              .build();
        };
    Negotiation c = request(OFFER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(c.reasons()).anyMatch(r -> r.contains("fund refused verification"));
    assertThat(pair.toProvider.get(1).error()).isEqualTo(ErrorCode.BAD_SIGNATURE);
    // the bad countersignature changed nothing there; the consumer's termination did
    assertThat(providerSide().state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(providerStore.agreements()).noneMatch(NegotiationStore.StoredAgreement::finalized);
    assertThat(providerStore.agreements()).allMatch(NegotiationStore.StoredAgreement::terminated);
  }

  @Test
  void anUnreachableProviderIsRetriedWithGrowingBackOffForTheWholeWindow() {
    pair.providerDown = true;
    long start = pair.clock.millis();
    Negotiation c = request(OFFER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.REQUESTED);
    assertThat(c.attempts()).isEqualTo(1);
    List<Long> waits = new ArrayList<>();
    while (true) {
      Negotiation n = consumerStore.find(c.id()).orElseThrow();
      if (n.state() != NegotiationState.REQUESTED) {
        break;
      }
      // a failed delivery stamps the negotiation with its time and schedules the next one
      long next = n.outgoing().nextAttemptMs();
      waits.add(next - n.updatedMs());
      pair.clock.advance(Duration.ofMillis(Math.max(0, next - pair.clock.millis())));
      pair.consumer.retryPending();
    }
    // from 100 ms doubling to the 2 s cap, each drawn from the upper half of its step
    assertThat(waits.get(0)).isBetween(50L, 100L);
    assertThat(waits.get(1)).isBetween(100L, 200L);
    assertThat(waits.get(2)).isBetween(200L, 400L);
    assertThat(waits.get(waits.size() - 1)).isBetween(1000L, 2000L);
    assertThat(waits).allMatch(w -> w <= RETRY.maxDelay().toMillis());
    assertThat(waits.size()).isBetween(15, 40);
    Negotiation gaveUp = consumerStore.find(c.id()).orElseThrow();
    assertThat(pair.clock.millis() - start).isGreaterThanOrEqualTo(RETRY.window().toMillis());
    assertThat(gaveUp.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(gaveUp.reasons())
        .anyMatch(r -> r.contains("fund unreachable for 30 s") && r.contains("given up"));
    // the provider is told once it is back: it records the negotiation it never saw as ended
    assertThat(gaveUp.hasPending()).isTrue();
    assertThat(providerStore.list()).isEmpty();
    pair.settle();
    Negotiation told = pair.providerSide(c.id()).orElseThrow();
    assertThat(told.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(told.reasons()).anyMatch(r -> r.contains("before its request reached us"));
    assertThat(StoreComparison.compare(consumerStore, "insurer-a", providerStore, "fund").agree())
        .isTrue();
  }

  @Test
  void providerComingBackWithinTheWindowCompletesTheNegotiation() {
    pair.providerDown = true;
    Negotiation c = request(OFFER, "");
    pair.clock.advance(RETRY.window().minusSeconds(5));
    pair.consumer.retryPending();
    assertThat(consumerStore.find(c.id()).orElseThrow().state())
        .isEqualTo(NegotiationState.REQUESTED);
    pair.providerDown = false;
    pair.clock.advance(RETRY.maxDelay());
    pair.consumer.retryPending();
    assertThat(consumerStore.find(c.id()).orElseThrow().state())
        .isEqualTo(NegotiationState.FINALIZED);
    assertThat(providerSide().state()).isEqualTo(NegotiationState.FINALIZED);
  }

  @Test
  void aFailingPeerIsTriedOncePerRoundNotOncePerNegotiation() {
    pair.providerDown = true;
    for (int i = 0; i < 5; i++) {
      request(OFFER, "");
    }
    int before = failures();
    pair.clock.advance(RETRY.maxDelay().multipliedBy(2));
    pair.consumer.retryPending();
    assertThat(failures() - before).isEqualTo(1);
  }

  private int failures() {
    return consumerStore.list().stream().mapToInt(Negotiation::attempts).sum();
  }

  @Test
  void terminatingAFinalizedAgreementEndsItOnBothSides() {
    Negotiation c = request(OFFER, "");
    pair.consumer.terminate(c.agreementId(), "no longer needed");
    assertThat(consumerStore.agreement(c.agreementId()).orElseThrow().terminated()).isTrue();
    assertThat(providerStore.agreement(c.agreementId()).orElseThrow().terminated()).isTrue();
    assertThat(providerStore.agreement(c.agreementId()).orElseThrow().terminatedReason())
        .contains("no longer needed");
    assertThat(pair.consumer.find(c.id()).orElseThrow().state())
        .isEqualTo(NegotiationState.FINALIZED);
    assertThatThrownBy(() -> pair.consumer.terminate(c.agreementId(), "again"))
        .hasMessageContaining("already terminated");
  }

  @Test
  void aRequestIdGivesOneNegotiationHoweverOftenTheClientAsks() {
    var request =
        new NegotiationManager.ConsumerRequest(
            "fund", "settlements", "claims", "claims-settlement", OFFER, "", "t", "req-1", "d1");
    Negotiation first = pair.consumer.request(request);
    Negotiation again = pair.consumer.request(request);
    assertThat(again.id()).isEqualTo(first.id());
    assertThat(again.state()).isEqualTo(NegotiationState.FINALIZED);
    assertThat(pair.consumer.findByRequestId("req-1")).map(Negotiation::id).contains(first.id());
    assertThat(consumerStore.list()).hasSize(1);
    assertThat(providerStore.agreements()).hasSize(1);
    var other =
        new NegotiationManager.ConsumerRequest(
            "fund", "settlements", "claims", "research", OFFER, "", "t", "req-1", "d2");
    assertThatThrownBy(() -> pair.consumer.request(other))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.REQUEST_ID_REUSED);
    assertThat(consumerStore.list()).hasSize(1);
  }

  @Test
  void concurrentRepeatsOfOneRequestIdStartOneNegotiation() throws Exception {
    var request =
        new NegotiationManager.ConsumerRequest(
            "fund", "settlements", "claims", "claims-settlement", OFFER, "", "t", "req-2", "d");
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Negotiation>> calls = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        calls.add(pool.submit(() -> pair.consumer.request(request)));
      }
      for (Future<Negotiation> call : calls) {
        assertThat(call.get().id()).isEqualTo(calls.get(0).get().id());
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(consumerStore.list()).hasSize(1);
    assertThat(providerStore.list()).hasSize(1);
    assertThat(providerStore.agreements()).hasSize(1);
  }

  @Test
  void noLockOutlivesItsUseHoweverManyNegotiationsRan() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Negotiation>> calls = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String policy = i % 3 == 0 ? REFUSED : i % 3 == 1 ? WIDER : OFFER;
        calls.add(pool.submit(() -> request(policy, OFFER)));
      }
      for (Future<Negotiation> call : calls) {
        assertThat(call.get().state().isFinal()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    pair.providerDown = true;
    request(OFFER, "");
    pair.tick();
    assertThat(consumerStore.list()).hasSize(41);
    assertThat(pair.consumer.locksInUse()).isZero();
    assertThat(pair.provider.locksInUse()).isZero();
  }
}
