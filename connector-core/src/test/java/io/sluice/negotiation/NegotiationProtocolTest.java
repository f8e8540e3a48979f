package io.sluice.negotiation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.PeerIdentity;
import io.sluice.identity.TestAuthority;
import io.sluice.proto.v1.NegotiationMessage;
import io.sluice.proto.v1.SignedAgreement;
import io.sluice.store.TestDatabases;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The negotiation protocol between two managers wired in memory, each with its own SQLite store.
 * The policy decisions come from a scripted judge so that these tests are about the protocol; the
 * node's tests run the real policy engine.
 */
class NegotiationProtocolTest {
  static final String OFFER = "{\"offer\":\"claims\"}";
  static final String WIDER = "{\"offer\":\"claims\",\"wider\":true}";
  static final String REFUSED = "{\"refuse\":true}";

  @TempDir Path dir;
  @RegisterExtension final TestDatabases.Store consumerDb = TestDatabases.sqlite();
  @RegisterExtension final TestDatabases.Store providerDb = TestDatabases.sqlite();

  AuthorityTrust trust;
  NodeCredentials fund;
  NodeCredentials insurer;
  NegotiationStore consumerStore;
  NegotiationStore providerStore;
  NegotiationManager consumer;
  NegotiationManager provider;

  /** Every message delivered, with the reply, in order. */
  final List<NegotiationMessage[]> wire = new ArrayList<>();

  UnaryOperator<NegotiationMessage> tamperReply = m -> m;
  UnaryOperator<NegotiationMessage> tamperRequest = m -> m;
  boolean providerDown;

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

  @BeforeEach
  void wire() {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    trust = ca.trust();
    fund = ca.issue("fund", List.of("medical-insurance-fund"), Map.of()).credentials(trust);
    insurer = ca.issue("insurer-a", List.of("commercial-insurer"), Map.of()).credentials(trust);
    consumerStore = new JdbcNegotiationStore(consumerDb.open());
    providerStore = new JdbcNegotiationStore(providerDb.open());
    OfferBook offers =
        (ds, offer) ->
            ds.equals("settlements") && offer.equals("claims")
                ? Optional.of(OFFER)
                : Optional.empty();
    provider =
        new NegotiationManager(
            fund,
            trust,
            providerStore,
            (to, m, t) -> consumer.handle(fund.identity(), m, t),
            new ScriptedJudge(),
            offers,
            NegotiationListener.NONE,
            Clock.systemUTC());
    consumer =
        new NegotiationManager(
            insurer,
            trust,
            consumerStore,
            (to, m, t) -> {
              if (providerDown) {
                throw new SluiceException(ErrorCode.UNAVAILABLE, "fund is unreachable");
              }
              NegotiationMessage sent = tamperRequest.apply(m);
              NegotiationMessage reply =
                  tamperReply.apply(provider.handle(insurer.identity(), sent, t));
              wire.add(new NegotiationMessage[] {sent, reply});
              return reply;
            },
            new ScriptedJudge(),
            (ds, o) -> Optional.empty(),
            NegotiationListener.NONE,
            Clock.systemUTC());
  }

  Negotiation request(String policy, String acceptable) {
    return consumer.request(
        new NegotiationManager.ConsumerRequest(
            "fund", "settlements", "claims", "claims-settlement", policy, acceptable, "trace-1"));
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
        Agreements.check(Agreements.parseSigned(mine.signedAgreement()), trust);
    assertThat(check.fullyValid()).as(check.problems().toString()).isTrue();
    var agreement = Agreements.parse(Agreements.parseSigned(mine.signedAgreement()));
    assertThat(agreement.getProviderId()).isEqualTo("fund");
    assertThat(agreement.getConsumerId()).isEqualTo("insurer-a");
    assertThat(agreement.getPolicy().toStringUtf8()).isEqualTo(OFFER);
    assertThat(wire).hasSize(2); // request -> agreement, verification -> finalized
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
        consumer.request(
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
    assertThat(wire)
        .hasSize(3); // request -> offer, accepted -> agreement, verification -> finalized
    for (NegotiationMessage[] exchange : wire) {
      NegotiationMessage again = provider.handle(insurer.identity(), exchange[0], "trace-1");
      assertThat(again).isEqualTo(exchange[1]);
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
    NegotiationMessage verification = wire.get(1)[0];
    NegotiationMessage late = verification.toBuilder().setMessageId("another-id").build();
    assertThatThrownBy(() -> provider.handle(insurer.identity(), late, "t"))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
    assertThat(providerSide().state()).isEqualTo(NegotiationState.FINALIZED);
    assertThat(c.state()).isEqualTo(NegotiationState.FINALIZED);
  }

  @Test
  void anotherParticipantCannotTouchTheNegotiation() {
    request(OFFER, "");
    NegotiationMessage verification = wire.get(1)[0].toBuilder().setMessageId("x").build();
    assertThatThrownBy(() -> provider.handle(fund.identity(), verification, "t"))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void consumerRefusesATamperedAgreementAndNothingIsFinalized() {
    tamperReply =
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
  }

  @Test
  void providerRefusesATamperedCountersignatureWithoutChangingState() {
    tamperRequest =
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
    assertThat(providerSide().state()).isEqualTo(NegotiationState.AGREED);
    assertThat(providerStore.agreements()).noneMatch(NegotiationStore.StoredAgreement::finalized);
  }

  @Test
  void unreachableProviderIsRetriedABoundedNumberOfTimesThenTerminated() {
    providerDown = true;
    Negotiation c = request(OFFER, "");
    assertThat(c.state()).isEqualTo(NegotiationState.REQUESTED);
    assertThat(c.hasPending()).isTrue();
    assertThat(c.attempts()).isEqualTo(1);
    for (int i = 2; i < NegotiationManager.MAX_ATTEMPTS; i++) {
      consumer.retryPending();
      assertThat(consumer.find(c.id()).orElseThrow().attempts()).isEqualTo(i);
    }
    consumer.retryPending();
    Negotiation gaveUp = consumer.find(c.id()).orElseThrow();
    assertThat(gaveUp.state()).isEqualTo(NegotiationState.TERMINATED);
    assertThat(gaveUp.hasPending()).isFalse();
    assertThat(gaveUp.reasons())
        .anyMatch(r -> r.contains("unreachable after " + NegotiationManager.MAX_ATTEMPTS));
  }

  @Test
  void providerComingBackBeforeTheLimitCompletesTheNegotiation() {
    providerDown = true;
    Negotiation c = request(OFFER, "");
    providerDown = false;
    consumer.retryPending();
    assertThat(consumer.find(c.id()).orElseThrow().state()).isEqualTo(NegotiationState.FINALIZED);
    assertThat(providerSide().state()).isEqualTo(NegotiationState.FINALIZED);
  }

  @Test
  void terminatingAFinalizedAgreementEndsItOnBothSides() {
    Negotiation c = request(OFFER, "");
    consumer.terminate(c.agreementId(), "no longer needed");
    assertThat(consumerStore.agreement(c.agreementId()).orElseThrow().terminated()).isTrue();
    assertThat(providerStore.agreement(c.agreementId()).orElseThrow().terminated()).isTrue();
    assertThat(providerStore.agreement(c.agreementId()).orElseThrow().terminatedReason())
        .contains("no longer needed");
    assertThat(consumer.find(c.id()).orElseThrow().state()).isEqualTo(NegotiationState.FINALIZED);
    assertThatThrownBy(() -> consumer.terminate(c.agreementId(), "again"))
        .hasMessageContaining("already terminated");
  }
}
