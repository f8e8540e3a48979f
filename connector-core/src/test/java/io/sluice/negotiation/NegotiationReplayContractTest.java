package io.sluice.negotiation;

import static io.sluice.negotiation.NegotiationPair.OFFER;
import static io.sluice.negotiation.NegotiationPair.REFUSED;
import static io.sluice.negotiation.NegotiationPair.RETRY;
import static io.sluice.negotiation.NegotiationPair.WIDER;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import io.sluice.proto.v1.NegotiationMessage;
import io.sluice.proto.v1.SignedAgreement;
import io.sluice.store.Database;
import io.sluice.testing.Property;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every negotiation message that ever reached a node, delivered to it again, changes no state and
 * creates no agreement: a message it processed gets the reply it got the first time, byte for byte;
 * one it refused, or answered without a change, changes nothing now either. The recorded messages
 * cover every path: agreement, counter-offer accepted and declined, refusal, unknown offer, a
 * tampered countersignature, terminations of agreements from either side, a consumer that gave up
 * (and the provider that learnt of it by the termination only), a provider's timeout in AGREED, and
 * the verification whose replies were all lost. Subclasses run it on SQLite and PostgreSQL.
 */
abstract class NegotiationReplayContractTest {
  @TempDir Path dir;

  NegotiationPair pair;
  final List<NegotiationPair.Exchange> toProvider = new ArrayList<>();
  final List<NegotiationPair.Exchange> toConsumer = new ArrayList<>();

  abstract Database consumerDb();

  abstract Database providerDb();

  @BeforeEach
  void playEveryKindOfExchange() {
    pair = new NegotiationPair(dir, consumerDb(), providerDb(), 11L);
    pair.request(OFFER, "");
    pair.request(WIDER, OFFER);
    pair.request(WIDER, "");
    pair.request(REFUSED, "");
    pair.consumer.request(
        new NegotiationManager.ConsumerRequest(
            "fund", "settlements", "nope", "claims-settlement", OFFER, "", "t"));
    Negotiation ended = pair.request(OFFER, "");
    pair.consumer.terminate(ended.agreementId(), "no longer needed");
    Negotiation endedThere = pair.request(OFFER, "");
    pair.provider.terminate(pair.providerSide(endedThere.id()).orElseThrow().id(), "withdrawn");

    pair.tamperRequest = NegotiationReplayContractTest::badCountersignature;
    pair.request(OFFER, "");
    pair.tamperRequest = m -> m;

    pair.providerDown = true; // gives up; the provider learns of it by the termination
    pair.request(OFFER, "");
    pair.settle();

    pair.dropToProvider = NegotiationMessage::hasVerification; // the provider times out in AGREED
    pair.request(WIDER, OFFER);
    pair.consumerDown = true;
    pair.clock.advance(RETRY.agreedTimeout().plusSeconds(1));
    pair.provider.retryPending();
    pair.settle();

    pair.loseReplyToConsumer = NegotiationMessage::hasVerification; // the known corner
    pair.request(OFFER, "");
    pair.settle();

    toProvider.addAll(pair.toProvider);
    toConsumer.addAll(pair.toConsumer);
    assertThat(toConsumer).as("the provider's own terminations").isNotEmpty();
    assertThat(toProvider).anyMatch(e -> e.reply() == null);
    assertThat(
            StoreComparison.compare(pair.consumerStore, "insurer-a", pair.providerStore, "fund")
                .agree())
        .isTrue();
  }

  private static NegotiationMessage badCountersignature(NegotiationMessage m) {
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
  }

  @Test
  void everyRecordedMessageDeliveredAgainChangesNothing() {
    List<String> before = snapshot();
    for (NegotiationPair.Exchange e : toProvider) {
      deliverAgain(pair.provider, pair.providerStore, pair.insurer.identity(), e);
    }
    for (NegotiationPair.Exchange e : toConsumer) {
      deliverAgain(pair.consumer, pair.consumerStore, pair.fund.identity(), e);
    }
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void replaysInAnyOrderAndAnyNumberChangeNothing() {
    List<String> before = snapshot();
    Property.forAll(
        8,
        gen -> {
          List<Runnable> deliveries = new ArrayList<>();
          for (NegotiationPair.Exchange e : toProvider) {
            for (int i = gen.between(0, 3); i > 0; i--) {
              deliveries.add(
                  () ->
                      deliverAgain(pair.provider, pair.providerStore, pair.insurer.identity(), e));
            }
          }
          for (NegotiationPair.Exchange e : toConsumer) {
            for (int i = gen.between(0, 3); i > 0; i--) {
              deliveries.add(
                  () -> deliverAgain(pair.consumer, pair.consumerStore, pair.fund.identity(), e));
            }
          }
          Collections.shuffle(deliveries, gen.random());
          deliveries.forEach(Runnable::run);
          pair.tick();
          assertThat(snapshot()).isEqualTo(before);
        });
  }

  /**
   * Delivers a recorded message again: a processed one must get its recorded reply, byte for byte;
   * any other one may be refused or answered, with a reply of the same kind as before.
   */
  private static void deliverAgain(
      NegotiationManager receiver,
      NegotiationStore store,
      PeerIdentity from,
      NegotiationPair.Exchange e) {
    boolean processed =
        store.processedReply(from.participant(), e.message().getMessageId()).isPresent();
    NegotiationMessage again;
    try {
      again = receiver.handle(from, e.message(), "replay");
    } catch (SluiceException refused) {
      assertThat(processed).as("a processed message is answered, not refused").isFalse();
      return;
    }
    if (processed) {
      assertThat(again).isEqualTo(e.reply());
    } else if (e.reply() != null) {
      assertThat(again.getBodyCase()).isEqualTo(e.reply().getBodyCase());
    }
  }

  /** Everything both stores hold about negotiations and agreements, one line per row. */
  private List<String> snapshot() {
    List<String> rows = new ArrayList<>();
    for (NegotiationStore store : List.of(pair.consumerStore, pair.providerStore)) {
      for (Negotiation n : store.list()) {
        rows.add(
            String.join(
                " ",
                n.role().name(),
                n.id(),
                n.peerPid(),
                n.state().name(),
                "v" + n.version(),
                n.agreementId(),
                HexFormat.of().formatHex(n.pending()),
                Integer.toString(n.attempts()),
                Long.toString(n.outgoing().nextAttemptMs()),
                n.reasons().toString()));
      }
      for (NegotiationStore.StoredAgreement a : store.agreements()) {
        rows.add(
            String.join(
                " ",
                "agreement",
                a.agreementId(),
                a.role().name(),
                a.negotiationId(),
                Boolean.toString(a.finalized()),
                a.terminatedReason(),
                Long.toString(a.useCount()),
                Agreements.sha256Hex(a.signedAgreement())));
      }
    }
    return rows;
  }
}
