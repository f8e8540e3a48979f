package io.sluice.negotiation;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.error.ErrorCategory;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.fault.FaultPoints;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.PeerIdentity;
import io.sluice.negotiation.Transitions.Direction;
import io.sluice.negotiation.Transitions.Kind;
import io.sluice.proto.v1.Agreement;
import io.sluice.proto.v1.AgreementVerification;
import io.sluice.proto.v1.ContractAgreement;
import io.sluice.proto.v1.ContractOffer;
import io.sluice.proto.v1.ContractRequest;
import io.sluice.proto.v1.NegotiationEvent;
import io.sluice.proto.v1.NegotiationMessage;
import io.sluice.proto.v1.SignedAgreement;
import io.sluice.proto.v1.Termination;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives contract negotiations on both sides. The pure part is {@link Transitions}; this class is
 * the driver: it persists every state change together with the message that caused it and the reply
 * (so re-delivered messages get the same reply and never a second agreement), then talks.
 *
 * <p>Consumer: {@link #request} persists REQUESTED with the request as a pending message, delivers
 * it, and follows the provider's replies (counter-offer, agreement, finalized) until a final state
 * or a transport failure; pending messages are re-delivered by {@link #retryPending} a bounded
 * number of times, then the negotiation is TERMINATED. Provider: {@link #handle} answers each
 * message in the same call with its next message.
 */
public final class NegotiationManager {
  private static final Logger log = LoggerFactory.getLogger(NegotiationManager.class);

  /** Deliveries of one pending message before the negotiation is given up. */
  public static final int MAX_ATTEMPTS = 5;

  private final NodeCredentials self;
  private final AuthorityTrust trust;
  private final NegotiationStore store;
  private final NegotiationTransport transport;
  private final PolicyJudge judge;
  private final OfferBook offers;
  private final NegotiationListener listener;
  private final Clock clock;
  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  public NegotiationManager(
      NodeCredentials self,
      AuthorityTrust trust,
      NegotiationStore store,
      NegotiationTransport transport,
      PolicyJudge judge,
      OfferBook offers,
      NegotiationListener listener,
      Clock clock) {
    this.self = self;
    this.trust = trust;
    this.store = store;
    this.transport = transport;
    this.judge = judge;
    this.offers = offers;
    this.listener = listener;
    this.clock = clock;
  }

  /** What a consumer asks for. */
  public record ConsumerRequest(
      String provider,
      String datasetId,
      String offerId,
      String purpose,
      String policyJson,
      String acceptableJson,
      String traceId) {}

  // ---------------------------------------------------------------- consumer side

  /** Starts a negotiation and drives it as far as the provider lets it go now. */
  public Negotiation request(ConsumerRequest request) {
    long now = clock.millis();
    String id = newId();
    NegotiationMessage message =
        NegotiationMessage.newBuilder()
            .setMessageId(newId())
            .setConsumerPid(id)
            .setRequest(
                ContractRequest.newBuilder()
                    .setDatasetId(request.datasetId())
                    .setOfferId(request.offerId())
                    .setPolicyJson(request.policyJson())
                    .setPurpose(request.purpose()))
            .build();
    NegotiationState state = transition(Role.CONSUMER, null, Direction.SENT, Kind.REQUEST);
    Negotiation n =
        new Negotiation(
            id,
            Role.CONSUMER,
            request.provider(),
            "",
            request.datasetId(),
            request.offerId(),
            state,
            request.purpose(),
            request.policyJson(),
            "",
            request.acceptableJson(),
            "",
            List.of(),
            message.toByteArray(),
            0,
            request.traceId() == null || request.traceId().isEmpty() ? newId() : request.traceId(),
            now,
            now,
            0);
    n = store.save(n, null, null);
    FaultPoints.reach("consumer.request.persisted");
    return drive(n.id());
  }

  /** Re-delivers every pending message once (the node calls this periodically and at start). */
  public void retryPending() {
    for (Negotiation n : store.pending()) {
      try {
        drive(n.id());
      } catch (RuntimeException e) {
        log.warn("negotiation {} could not be advanced: {}", n.id(), e.getMessage());
      }
    }
  }

  /** Delivers the negotiation's pending messages until none is left or delivery fails. */
  public Negotiation drive(String id) {
    ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
    lock.lock();
    try {
      Negotiation n = require(id);
      while (n.hasPending()) {
        NegotiationMessage out = parseMessage(n.pending());
        NegotiationMessage reply;
        try {
          listener.sent(n, out);
          reply = transport.deliver(n.counterparty(), out, n.traceId());
        } catch (SluiceException e) {
          return afterFailedDelivery(n, out, e);
        }
        listener.received(n, reply);
        FaultPoints.reach(
            n.role().name().toLowerCase(Locale.ROOT) + "." + kindOf(reply) + ".received");
        n = n.role() == Role.CONSUMER ? onConsumerReply(n, out, reply) : onAcknowledged(n);
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  private Negotiation afterFailedDelivery(
      Negotiation n, NegotiationMessage out, SluiceException e) {
    long now = clock.millis();
    if (e.category() == ErrorCategory.UNAVAILABLE) {
      int attempts = n.attempts() + 1;
      if (attempts < MAX_ATTEMPTS) {
        log.info(
            "negotiation {}: {} unreachable (attempt {} of {})",
            n.id(),
            n.counterparty(),
            attempts,
            MAX_ATTEMPTS);
        return store.save(
            n.withPending(n.pending(), attempts).moveTo(n.state(), now, List.of()), null, null);
      }
      String reason = n.counterparty() + " unreachable after " + MAX_ATTEMPTS + " attempts";
      Negotiation gaveUp =
          n.state().isFinal()
              ? n.withPending(null, attempts).moveTo(n.state(), now, List.of())
              : n.withPending(null, attempts)
                  .moveTo(NegotiationState.TERMINATED, now, List.of(reason));
      return store.save(gaveUp, null, null);
    }
    // The peer refused the message itself (protocol violation, bad signature, unknown offer...).
    String reason = n.counterparty() + " refused " + kindOf(out) + ": " + e.getMessage();
    if (n.state().isFinal()) {
      return store.save(
          n.withPending(null, n.attempts()).moveTo(n.state(), now, List.of(reason)), null, null);
    }
    return store.save(
        n.withPending(null, n.attempts()).moveTo(NegotiationState.TERMINATED, now, List.of(reason)),
        null,
        null);
  }

  private Negotiation onConsumerReply(
      Negotiation n, NegotiationMessage sent, NegotiationMessage reply) {
    long now = clock.millis();
    if (n.state().isFinal()) {
      // We were delivering a termination; any answer acknowledges it.
      return store.save(n.withPending(null, 0).moveTo(n.state(), now, List.of()), null, null);
    }
    if (!reply.getProviderPid().isEmpty() && n.peerPid().isEmpty()) {
      n = n.withPeerPid(reply.getProviderPid());
    }
    switch (reply.getBodyCase()) {
      case AGREEMENT -> {
        return onAgreement(n, reply.getAgreement().getAgreement(), now);
      }
      case OFFER -> {
        NegotiationState offered = transition(n, Direction.RECEIVED, Kind.OFFER);
        String counter = reply.getOffer().getPolicyJson();
        n = n.withOffered(counter).moveTo(offered, now, reply.getOffer().getReasonsList());
        PolicyJudge.Verdict verdict = judge.judgeCounter(counter, n.acceptablePolicy());
        if (verdict instanceof PolicyJudge.Agree) {
          NegotiationMessage accept =
              envelope(n)
                  .setEvent(NegotiationEvent.newBuilder().setType(NegotiationEvent.Type.ACCEPTED))
                  .build();
          NegotiationState accepted = transition(n, Direction.SENT, Kind.ACCEPTED);
          return store.save(
              n.withPending(accept.toByteArray(), 0).moveTo(accepted, now, List.of()), null, null);
        }
        List<String> reasons = new ArrayList<>();
        reasons.add("counter-offer declined");
        if (verdict instanceof PolicyJudge.Refuse refuse) {
          reasons.addAll(refuse.reasons());
        }
        return terminateWithNotice(n, reasons, now);
      }
      case EVENT -> {
        if (reply.getEvent().getType() != NegotiationEvent.Type.FINALIZED) {
          return violation(n, "unexpected event " + reply.getEvent().getType(), now);
        }
        Optional<NegotiationState> finalized =
            Transitions.next(n.role(), n.state(), Direction.RECEIVED, Kind.FINALIZED);
        if (finalized.isEmpty()) {
          return violation(n, "FINALIZED received in state " + n.state(), now);
        }
        NegotiationStore.StoredAgreement stored = store.agreement(n.agreementId()).orElseThrow();
        return store.save(
            n.withPending(null, 0).moveTo(finalized.get(), now, List.of()),
            null,
            withFinalized(stored));
      }
      case TERMINATION -> {
        List<String> reasons = new ArrayList<>();
        reasons.add(n.counterparty() + " terminated the negotiation");
        reasons.addAll(reply.getTermination().getReasonsList());
        return store.save(
            n.withPending(null, 0).moveTo(NegotiationState.TERMINATED, now, reasons), null, null);
      }
      default -> {
        return violation(n, "unexpected reply " + reply.getBodyCase(), now);
      }
    }
  }

  private Negotiation onAgreement(Negotiation n, SignedAgreement signed, long now) {
    Optional<NegotiationState> agreedState =
        Transitions.next(n.role(), n.state(), Direction.RECEIVED, Kind.AGREEMENT);
    if (agreedState.isEmpty()) {
      return violation(n, "agreement received in state " + n.state(), now);
    }
    List<String> problems = new ArrayList<>();
    Agreement agreement = null;
    try {
      Agreements.requireProviderValid(signed, trust);
      agreement = Agreements.parse(signed);
    } catch (SluiceException e) {
      if (e.code() == ErrorCode.CRL_EXPIRED) {
        throw e; // our own CRL cannot be trusted now: decide nothing, the retry delivers again
      }
      problems.add(e.getMessage());
    }
    if (agreement != null) {
      String expected =
          n.state() == NegotiationState.ACCEPTED ? n.offeredPolicy() : n.requestedPolicy();
      if (!agreement.getConsumerId().equals(self.identity().participant())) {
        problems.add("the agreement names consumer '" + agreement.getConsumerId() + "'");
      }
      if (!agreement.getProviderId().equals(n.counterparty())) {
        problems.add("the agreement names provider '" + agreement.getProviderId() + "'");
      }
      if (!agreement.getDatasetId().equals(n.datasetId())) {
        problems.add("the agreement is for dataset '" + agreement.getDatasetId() + "'");
      }
      if (!Arrays.equals(agreement.getPolicy().toByteArray(), judge.canonical(expected))) {
        problems.add("the agreement's policy is not the policy we asked for");
      }
      if (agreement.getValidUntilMs() <= now) {
        problems.add("the agreement is already expired");
      }
    }
    if (!problems.isEmpty()) {
      problems.add(0, "agreement from " + n.counterparty() + " refused");
      return terminateWithNotice(n, problems, now);
    }
    SignedAgreement countersigned = Agreements.countersign(signed, self);
    Negotiation agreed =
        n.withAgreement(agreement.getAgreementId()).moveTo(agreedState.get(), now, List.of());
    NegotiationState verified = transition(agreed, Direction.SENT, Kind.VERIFICATION);
    NegotiationMessage verification =
        envelope(agreed)
            .setVerification(AgreementVerification.newBuilder().setAgreement(countersigned))
            .build();
    NegotiationStore.StoredAgreement stored =
        stored(agreement, agreed.id(), Role.CONSUMER, countersigned.toByteArray(), false);
    Negotiation saved =
        store.save(
            agreed.withPending(verification.toByteArray(), 0).moveTo(verified, now, List.of()),
            null,
            stored);
    listener.agreementSigned(saved, agreement.getAgreementId(), countersigned.toByteArray());
    FaultPoints.reach("consumer.verification.persisted");
    return saved;
  }

  /** Ends a negotiation locally and queues a termination notice for the peer. */
  private Negotiation terminateWithNotice(Negotiation n, List<String> reasons, long now) {
    NegotiationMessage notice =
        envelope(n)
            .setTermination(Termination.newBuilder().setCode("DECLINED").addAllReasons(reasons))
            .build();
    return store.save(
        n.withPending(notice.toByteArray(), 0).moveTo(NegotiationState.TERMINATED, now, reasons),
        null,
        null);
  }

  private Negotiation violation(Negotiation n, String what, long now) {
    return terminateWithNotice(
        n, List.of("protocol violation by " + n.counterparty() + ": " + what), now);
  }

  private Negotiation onAcknowledged(Negotiation n) {
    return store.save(
        n.withPending(null, 0).moveTo(n.state(), clock.millis(), List.of()), null, null);
  }

  // ---------------------------------------------------------------- provider side

  /**
   * Handles one message from {@code caller} and returns the reply. Idempotent: a message id seen
   * before gets the stored reply and changes nothing.
   */
  public NegotiationMessage handle(
      PeerIdentity caller, NegotiationMessage message, String traceId) {
    if (message.getMessageId().isEmpty() || message.getMessageId().length() > 128) {
      throw new SluiceException(
          ErrorCode.MALFORMED_MESSAGE, "a negotiation message needs a message id");
    }
    String from = caller.participant();
    Optional<byte[]> replayed = store.processedReply(from, message.getMessageId());
    if (replayed.isPresent()) {
      return replay(from, message, replayed.get());
    }
    FaultPoints.reach("provider." + kindOf(message) + ".received");
    if (message.getBodyCase() == NegotiationMessage.BodyCase.REQUEST) {
      return onRequest(caller, message, traceId);
    }
    Negotiation n = locate(from, message);
    ReentrantLock lock = locks.computeIfAbsent(n.id(), k -> new ReentrantLock());
    lock.lock();
    try {
      replayed = store.processedReply(from, message.getMessageId());
      if (replayed.isPresent()) {
        return replay(from, message, replayed.get());
      }
      n = require(n.id());
      listener.received(n, message);
      return switch (n.role()) {
        case PROVIDER -> onProviderMessage(n, caller, message);
        case CONSUMER -> onConsumerMessage(n, message);
      };
    } finally {
      lock.unlock();
    }
  }

  /**
   * Answers a re-delivered message with the stored reply; the audit trail records the re-delivery
   * like any exchange, so that both sides' entries still pair up.
   */
  private NegotiationMessage replay(String from, NegotiationMessage message, byte[] stored) {
    NegotiationMessage reply = parseMessage(stored);
    Optional<Negotiation> n =
        message.hasRequest()
            ? store.findByPeer(Role.PROVIDER, from, message.getConsumerPid())
            : Optional.ofNullable(locateOrNull(from, message));
    n.ifPresent(
        x -> {
          listener.received(x, message);
          listener.sent(x, reply);
        });
    return reply;
  }

  private Negotiation locateOrNull(String from, NegotiationMessage message) {
    try {
      return locate(from, message);
    } catch (SluiceException e) {
      return null;
    }
  }

  private NegotiationMessage onRequest(
      PeerIdentity caller, NegotiationMessage message, String traceId) {
    String consumerPid = message.getConsumerPid();
    if (consumerPid.isEmpty() || consumerPid.length() > 128) {
      throw new SluiceException(
          ErrorCode.MALFORMED_MESSAGE, "a request needs the consumer's negotiation id");
    }
    if (store.findByPeer(Role.PROVIDER, caller.participant(), consumerPid).isPresent()) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, "negotiation " + consumerPid + " was already requested");
    }
    ContractRequest request = message.getRequest();
    long now = clock.millis();
    NegotiationState requested = transition(Role.PROVIDER, null, Direction.RECEIVED, Kind.REQUEST);
    Negotiation n =
        new Negotiation(
            newId(),
            Role.PROVIDER,
            caller.participant(),
            consumerPid,
            request.getDatasetId(),
            request.getOfferId(),
            requested,
            request.getPurpose(),
            request.getPolicyJson(),
            "",
            "",
            "",
            List.of(),
            null,
            0,
            traceId,
            now,
            now,
            0);
    listener.received(n, message);
    Optional<String> offer = offers.offer(request.getDatasetId(), request.getOfferId());
    if (offer.isEmpty()) {
      return refuse(
          n,
          message,
          List.of(
              "no offer '"
                  + request.getOfferId()
                  + "' for dataset '"
                  + request.getDatasetId()
                  + "'"),
          now);
    }
    PolicyJudge.Verdict verdict =
        judge.judgeRequest(
            offer.get(), request.getPolicyJson(), caller, request.getPurpose(), clock.instant());
    if (verdict instanceof PolicyJudge.Agree agree) {
      return agree(n, message, agree, now);
    }
    if (verdict instanceof PolicyJudge.Counter counter) {
      NegotiationState offered = transition(n, Direction.SENT, Kind.OFFER);
      Negotiation countered =
          n.withOffered(counter.policyJson()).moveTo(offered, now, counter.reasons());
      NegotiationMessage reply =
          envelope(countered)
              .setOffer(
                  ContractOffer.newBuilder()
                      .setPolicyJson(counter.policyJson())
                      .addAllReasons(counter.reasons()))
              .build();
      return reply(countered, message, reply, null);
    }
    return refuse(n, message, ((PolicyJudge.Refuse) verdict).reasons(), now);
  }

  private NegotiationMessage onProviderMessage(
      Negotiation n, PeerIdentity caller, NegotiationMessage message) {
    long now = clock.millis();
    switch (message.getBodyCase()) {
      case EVENT -> {
        if (message.getEvent().getType() != NegotiationEvent.Type.ACCEPTED) {
          throw violation("a consumer may only send the ACCEPTED event");
        }
        NegotiationState accepted = transitionOrViolation(n, Direction.RECEIVED, Kind.ACCEPTED);
        Negotiation acc = n.moveTo(accepted, now, List.of());
        Optional<String> offer = offers.offer(n.datasetId(), n.offerId());
        PolicyJudge.Verdict verdict =
            offer.isEmpty()
                ? new PolicyJudge.Refuse(List.of("the offer was withdrawn"))
                : judge.judgeAccepted(offer.get(), n.offeredPolicy(), caller, clock.instant());
        if (verdict instanceof PolicyJudge.Agree agree) {
          return agree(acc, message, agree, now);
        }
        return refuse(acc, message, reasonsOf(verdict), now);
      }
      case VERIFICATION -> {
        NegotiationState verified = transitionOrViolation(n, Direction.RECEIVED, Kind.VERIFICATION);
        NegotiationStore.StoredAgreement ours = store.agreement(n.agreementId()).orElseThrow();
        SignedAgreement theirs = message.getVerification().getAgreement();
        SignedAgreement mine = Agreements.parseSigned(ours.signedAgreement());
        if (!theirs.getAgreement().equals(mine.getAgreement())
            || !theirs.getProviderSignature().equals(mine.getProviderSignature())
            || !theirs.getProviderCertificate().equals(mine.getProviderCertificate())) {
          throw new SluiceException(
              ErrorCode.BAD_SIGNATURE,
              "the countersigned agreement differs from the one we signed");
        }
        Agreements.requireFullyValid(theirs, trust);
        Negotiation ver = n.moveTo(verified, now, List.of());
        NegotiationState finalized = transition(ver, Direction.SENT, Kind.FINALIZED);
        Negotiation fin = ver.moveTo(finalized, now, List.of());
        NegotiationMessage reply =
            envelope(fin)
                .setEvent(NegotiationEvent.newBuilder().setType(NegotiationEvent.Type.FINALIZED))
                .build();
        NegotiationStore.StoredAgreement complete =
            stored(Agreements.parse(theirs), n.id(), Role.PROVIDER, theirs.toByteArray(), true);
        NegotiationMessage sent = reply(fin, message, reply, complete);
        listener.agreementSigned(fin, n.agreementId(), theirs.toByteArray());
        return sent;
      }
      case TERMINATION -> {
        return onTermination(n, message, now);
      }
      default -> throw violation("a consumer may not send " + message.getBodyCase());
    }
  }

  /** A consumer receives only terminations outside the request/reply flow. */
  private NegotiationMessage onConsumerMessage(Negotiation n, NegotiationMessage message) {
    if (message.getBodyCase() != NegotiationMessage.BodyCase.TERMINATION) {
      throw violation("a provider may only send a termination outside a reply");
    }
    return onTermination(n, message, clock.millis());
  }

  private NegotiationMessage onTermination(Negotiation n, NegotiationMessage message, long now) {
    List<String> reasons = new ArrayList<>();
    reasons.add(n.counterparty() + " terminated");
    reasons.addAll(message.getTermination().getReasonsList());
    NegotiationMessage ack =
        envelope(n).setTermination(Termination.newBuilder().setCode("ACKNOWLEDGED")).build();
    if (n.state() == NegotiationState.FINALIZED) {
      // The agreement itself ends; the negotiation that produced it stays FINALIZED.
      store.terminateAgreement(n.agreementId(), String.join("; ", reasons));
      return reply(n.moveTo(n.state(), now, reasons), message, ack, null);
    }
    NegotiationState terminated = transitionOrViolation(n, Direction.RECEIVED, Kind.TERMINATION);
    return reply(n.withPending(null, 0).moveTo(terminated, now, reasons), message, ack, null);
  }

  private NegotiationMessage agree(
      Negotiation n, NegotiationMessage message, PolicyJudge.Agree agree, long now) {
    NegotiationState agreedState = transition(n, Direction.SENT, Kind.AGREEMENT);
    String agreementId = newId();
    Agreement agreement =
        Agreement.newBuilder()
            .setVersion(1)
            .setAgreementId(agreementId)
            .setSpace(trust.space())
            .setProviderId(self.identity().participant())
            .setConsumerId(n.counterparty())
            .setDatasetId(n.datasetId())
            .setOfferId(n.offerId())
            .setNegotiationId(n.peerPid())
            .setPolicy(ByteString.copyFrom(agree.canonicalPolicy()))
            .setPolicySha256(Agreements.sha256Hex(agree.canonicalPolicy()))
            .setValidFromMs(now)
            .setValidUntilMs(agree.validUntil().toEpochMilli())
            .setCreatedMs(now)
            .setPurpose(n.purpose())
            .build();
    SignedAgreement signed = Agreements.signAsProvider(agreement, self);
    Negotiation agreed = n.withAgreement(agreementId).moveTo(agreedState, now, List.of());
    NegotiationMessage reply =
        envelope(agreed).setAgreement(ContractAgreement.newBuilder().setAgreement(signed)).build();
    NegotiationMessage sent =
        reply(
            agreed,
            message,
            reply,
            stored(agreement, agreed.id(), Role.PROVIDER, signed.toByteArray(), false));
    listener.agreementSigned(agreed, agreementId, signed.toByteArray());
    return sent;
  }

  private NegotiationMessage refuse(
      Negotiation n, NegotiationMessage message, List<String> reasons, long now) {
    Negotiation terminated = n.moveTo(NegotiationState.TERMINATED, now, reasons);
    NegotiationMessage reply =
        envelope(terminated)
            .setTermination(Termination.newBuilder().setCode("REFUSED").addAllReasons(reasons))
            .build();
    listener.policyDenied(terminated, reasons);
    return reply(terminated, message, reply, null);
  }

  /** Persists the new state, the processed message and our reply in one transaction. */
  private NegotiationMessage reply(
      Negotiation n,
      NegotiationMessage received,
      NegotiationMessage reply,
      NegotiationStore.StoredAgreement agreement) {
    Negotiation saved =
        store.save(
            n,
            new NegotiationStore.Processed(
                n.counterparty(), received.getMessageId(), reply.toByteArray()),
            agreement);
    listener.sent(saved, reply);
    FaultPoints.reach(
        n.role().name().toLowerCase(Locale.ROOT) + "." + replyName(reply) + ".persisted");
    return reply;
  }

  // ---------------------------------------------------------------- both sides

  /**
   * Ends a negotiation, or the agreement it produced, from this side and tells the peer (the notice
   * is delivered like any pending message).
   */
  public Negotiation terminate(String idOrAgreementId, String reason) {
    Negotiation n =
        store
            .find(idOrAgreementId)
            .or(
                () ->
                    store.list().stream()
                        .filter(x -> x.agreementId().equals(idOrAgreementId))
                        .findFirst())
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.NOT_FOUND, "no negotiation or agreement " + idOrAgreementId));
    long now = clock.millis();
    List<String> reasons =
        List.of("terminated by " + self.identity().participant() + ": " + reason);
    NegotiationMessage notice =
        envelope(n)
            .setTermination(Termination.newBuilder().setCode("TERMINATED").addAllReasons(reasons))
            .build();
    ReentrantLock lock = locks.computeIfAbsent(n.id(), k -> new ReentrantLock());
    lock.lock();
    try {
      n = require(n.id());
      if (n.state() == NegotiationState.FINALIZED) {
        if (!store.terminateAgreement(n.agreementId(), reasons.get(0))) {
          throw new SluiceException(
              ErrorCode.CONFLICT, "agreement " + n.agreementId() + " is already terminated");
        }
        n =
            store.save(
                n.withPending(notice.toByteArray(), 0).moveTo(n.state(), now, reasons), null, null);
      } else if (n.state() == NegotiationState.TERMINATED) {
        throw new SluiceException(
            ErrorCode.CONFLICT, "negotiation " + n.id() + " is already terminated");
      } else {
        NegotiationState terminated = transition(n, Direction.SENT, Kind.TERMINATION);
        n =
            store.save(
                n.withPending(notice.toByteArray(), 0).moveTo(terminated, now, reasons),
                null,
                null);
      }
    } finally {
      lock.unlock();
    }
    return drive(n.id());
  }

  public Optional<Negotiation> find(String id) {
    return store.find(id);
  }

  public List<Negotiation> list() {
    return store.list();
  }

  private Negotiation locate(String from, NegotiationMessage message) {
    Optional<Negotiation> n = Optional.empty();
    if (!message.getProviderPid().isEmpty()) {
      n = store.find(message.getProviderPid()).filter(x -> x.role() == Role.PROVIDER);
    }
    if (n.isEmpty() && !message.getConsumerPid().isEmpty()) {
      n = store.findByPeer(Role.PROVIDER, from, message.getConsumerPid());
    }
    if (n.isEmpty() && !message.getConsumerPid().isEmpty()) {
      n = store.find(message.getConsumerPid()).filter(x -> x.role() == Role.CONSUMER);
    }
    Negotiation found =
        n.orElseThrow(() -> new SluiceException(ErrorCode.NOT_FOUND, "no such negotiation"));
    if (!found.counterparty().equals(from)) {
      // Do not reveal that the negotiation exists with someone else.
      throw new SluiceException(ErrorCode.NOT_FOUND, "no such negotiation");
    }
    return found;
  }

  private NegotiationMessage.Builder envelope(Negotiation n) {
    NegotiationMessage.Builder b = NegotiationMessage.newBuilder().setMessageId(newId());
    if (n.role() == Role.CONSUMER) {
      b.setConsumerPid(n.id()).setProviderPid(n.peerPid());
    } else {
      b.setProviderPid(n.id()).setConsumerPid(n.peerPid());
    }
    return b;
  }

  private NegotiationStore.StoredAgreement stored(
      Agreement a, String negotiationId, Role role, byte[] signed, boolean finalized) {
    return new NegotiationStore.StoredAgreement(
        a.getAgreementId(),
        negotiationId,
        role,
        a.getProviderId(),
        a.getConsumerId(),
        a.getDatasetId(),
        signed,
        a.getValidFromMs(),
        a.getValidUntilMs(),
        finalized,
        null,
        0);
  }

  private static NegotiationStore.StoredAgreement withFinalized(
      NegotiationStore.StoredAgreement s) {
    return new NegotiationStore.StoredAgreement(
        s.agreementId(),
        s.negotiationId(),
        s.role(),
        s.providerId(),
        s.consumerId(),
        s.datasetId(),
        s.signedAgreement(),
        s.validFromMs(),
        s.validUntilMs(),
        true,
        s.terminatedReason(),
        s.useCount());
  }

  private Negotiation require(String id) {
    return store
        .find(id)
        .orElseThrow(() -> new SluiceException(ErrorCode.NOT_FOUND, "no negotiation " + id));
  }

  /** Our own transition; failing means a bug in this class. */
  private static NegotiationState transition(
      Role role, NegotiationState from, Direction d, Kind k) {
    return Transitions.next(role, from, d, k)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "illegal own transition " + role + " " + from + " " + d + " " + k));
  }

  private static NegotiationState transition(Negotiation n, Direction d, Kind k) {
    return transition(n.role(), n.state(), d, k);
  }

  /** A peer's transition; failing is the peer's protocol violation. */
  private static NegotiationState transitionOrViolation(Negotiation n, Direction d, Kind k) {
    return Transitions.next(n.role(), n.state(), d, k)
        .orElseThrow(() -> violation(k + " is not allowed when the negotiation is " + n.state()));
  }

  private static SluiceException violation(String what) {
    return new SluiceException(ErrorCode.PROTOCOL_VIOLATION, what);
  }

  /** A reply's name for fault points: its body, or for events the event type. */
  private static String replyName(NegotiationMessage m) {
    return m.hasEvent() ? m.getEvent().getType().name().toLowerCase(Locale.ROOT) : kindOf(m);
  }

  private static String kindOf(NegotiationMessage m) {
    return m.getBodyCase().name().toLowerCase(java.util.Locale.ROOT);
  }

  static NegotiationMessage parseMessage(byte[] bytes) {
    try {
      return NegotiationMessage.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "corrupt stored message", e);
    }
  }

  private static String newId() {
    return UUID.randomUUID().toString();
  }

  private static List<String> reasonsOf(PolicyJudge.Verdict verdict) {
    if (verdict instanceof PolicyJudge.Refuse refuse) {
      return refuse.reasons();
    }
    if (verdict instanceof PolicyJudge.Counter counter) {
      return counter.reasons();
    }
    return List.of();
  }
}
