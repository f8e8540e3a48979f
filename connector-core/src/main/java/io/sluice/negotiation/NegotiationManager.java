package io.sluice.negotiation;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives contract negotiations on both sides. The pure part is {@link Transitions}; this class is
 * the driver: it persists every state change together with the message that caused it and the reply
 * (so re-delivered messages get the same reply and never a second agreement), then talks.
 *
 * <p>Consumer: {@link #request} persists REQUESTED with the request as its outgoing message,
 * delivers it, and follows the provider's replies (counter-offer, agreement, finalized) until a
 * final state or a failed delivery. Provider: {@link #handle} answers each message in the same call
 * with its next message. Either side: {@link #retryPending} re-delivers what is due, with the
 * back-off of the {@link RetryPolicy}; a negotiation whose message could not be delivered within
 * the window is given up: TERMINATED, and the peer is told once it is back. A provider waiting in
 * OFFERED or AGREED past the policy's timeout terminates the same way.
 *
 * <p>Locks: one deliverer per negotiation ({@code deliveries}, held across the network round trip)
 * and short read-change-save sections ({@code changes}, never held across I/O), so two nodes that
 * deliver to each other at once never wait for each other. A reply is applied only if the message
 * it answers is still the one to deliver; otherwise the negotiation moved on meanwhile (e.g. the
 * peer's termination arrived) and the reply is moot.
 */
public final class NegotiationManager {
  private static final Logger log = LoggerFactory.getLogger(NegotiationManager.class);

  private final NodeCredentials self;
  private final AuthorityTrust trust;
  private final NegotiationStore store;
  private final NegotiationTransport transport;
  private final PolicyJudge judge;
  private final OfferBook offers;
  private final NegotiationListener listener;
  private final Clock clock;
  private final RetryPolicy retry;
  private final RandomGenerator jitter;
  private final KeyedLocks deliveries = new KeyedLocks();
  private final KeyedLocks changes = new KeyedLocks();

  public NegotiationManager(
      NodeCredentials self,
      AuthorityTrust trust,
      NegotiationStore store,
      NegotiationTransport transport,
      PolicyJudge judge,
      OfferBook offers,
      NegotiationListener listener,
      Clock clock,
      RetryPolicy retry,
      RandomGenerator jitter) {
    this.self = self;
    this.trust = trust;
    this.store = store;
    this.transport = transport;
    this.judge = judge;
    this.offers = offers;
    this.listener = listener;
    this.clock = clock;
    this.retry = retry;
    this.jitter = jitter;
  }

  /**
   * What a consumer asks for. {@code requestId} is the client's id for this request (empty: none);
   * {@code requestDigest} identifies the client's request without it, so that a repeat with the
   * same id can be told from another request that reuses the id.
   */
  public record ConsumerRequest(
      String provider,
      String datasetId,
      String offerId,
      String purpose,
      String policyJson,
      String acceptableJson,
      String traceId,
      String requestId,
      String requestDigest) {
    public ConsumerRequest {
      requestId = requestId == null ? "" : requestId;
      requestDigest = requestDigest == null ? "" : requestDigest;
    }

    /** A request without a client request id. */
    public ConsumerRequest(
        String provider,
        String datasetId,
        String offerId,
        String purpose,
        String policyJson,
        String acceptableJson,
        String traceId) {
      this(provider, datasetId, offerId, purpose, policyJson, acceptableJson, traceId, "", "");
    }
  }

  // ---------------------------------------------------------------- consumer side

  /**
   * Starts a negotiation and drives it as far as the provider lets it go now. With a request id
   * that started a negotiation before, returns that negotiation (driven once more) instead.
   *
   * @throws SluiceException REQUEST_ID_REUSED when the id started a different request
   */
  public Negotiation request(ConsumerRequest request) {
    if (request.requestId().isEmpty()) {
      Negotiation n = store.save(newConsumerNegotiation(request), null, null);
      FaultPoints.reach("consumer.request.persisted");
      return drive(n.id());
    }
    String id;
    boolean started = false;
    try (KeyedLocks.Held held = changes.lock("request " + request.requestId())) {
      Optional<Negotiation> known = findRequest(request.requestId(), request.requestDigest());
      if (known.isPresent()) {
        id = known.get().id();
      } else {
        Negotiation n = newConsumerNegotiation(request);
        started =
            store
                .create(
                    n,
                    new NegotiationStore.ClientRequest(
                        request.requestId(), n.id(), request.requestDigest(), n.createdMs()))
                .isPresent();
        // Not created: another process on the same store took the id after our look-up.
        id =
            started
                ? n.id()
                : findRequest(request.requestId(), request.requestDigest()).orElseThrow().id();
      }
    }
    if (started) {
      FaultPoints.reach("consumer.request.persisted");
    }
    return drive(id);
  }

  /**
   * The negotiation that a client request id started, if any.
   *
   * @throws SluiceException REQUEST_ID_REUSED when the id started a request with another digest
   */
  public Optional<Negotiation> findRequest(String requestId, String requestDigest) {
    Optional<NegotiationStore.ClientRequest> known = store.clientRequest(requestId);
    if (known.isEmpty()) {
      return Optional.empty();
    }
    if (!known.get().digest().equals(requestDigest)) {
      throw new SluiceException(
          ErrorCode.REQUEST_ID_REUSED,
          "request id " + requestId + " was used for a different request");
    }
    return store.find(known.get().negotiationId());
  }

  /** The negotiation a client request id started, whatever the request was. */
  public Optional<Negotiation> findByRequestId(String requestId) {
    return store.clientRequest(requestId).flatMap(r -> store.find(r.negotiationId()));
  }

  private Negotiation newConsumerNegotiation(ConsumerRequest request) {
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
    return new Negotiation(
        id,
        Role.CONSUMER,
        request.provider(),
        "",
        request.datasetId(),
        request.offerId(),
        transition(Role.CONSUMER, null, Direction.SENT, Kind.REQUEST),
        request.purpose(),
        request.policyJson(),
        "",
        request.acceptableJson(),
        "",
        List.of(),
        Outgoing.now(message.toByteArray(), now),
        request.traceId() == null || request.traceId().isEmpty() ? newId() : request.traceId(),
        now,
        now,
        0);
  }

  /**
   * Re-delivers every message that is due, after terminating provider negotiations that waited too
   * long (the node calls this periodically and at start). A peer that fails one delivery is not
   * tried again in the same round: its other messages wait for the next one.
   */
  public void retryPending() {
    long now = clock.millis();
    terminateOverdue(now);
    Set<String> unreachable = new HashSet<>();
    for (Negotiation n : store.due(now)) {
      if (unreachable.contains(n.counterparty())) {
        continue;
      }
      try {
        Optional<Negotiation> after = driveIfIdle(n.id());
        if (after.isPresent() && after.get().hasPending()) {
          unreachable.add(n.counterparty());
        }
      } catch (RuntimeException e) {
        log.warn("negotiation {} could not be advanced: {}", n.id(), e.getMessage());
      }
    }
  }

  /**
   * Delivers the negotiation's outgoing message now, then every next one that is due, until none is
   * left or a delivery fails.
   */
  public Negotiation drive(String id) {
    try (KeyedLocks.Held held = deliveries.lock(id)) {
      return deliverAll(id);
    }
  }

  /** {@link #drive}, unless another thread is delivering for this negotiation right now. */
  private Optional<Negotiation> driveIfIdle(String id) {
    Optional<KeyedLocks.Held> held = deliveries.tryLock(id);
    if (held.isEmpty()) {
      return Optional.empty();
    }
    try (KeyedLocks.Held h = held.get()) {
      return Optional.of(deliverAll(id));
    }
  }

  private Negotiation deliverAll(String id) {
    Negotiation n = require(id);
    boolean first = true;
    while (n.hasPending() && (first || n.outgoing().nextAttemptMs() <= clock.millis())) {
      first = false;
      byte[] bytes = n.pending();
      NegotiationMessage out = parseMessage(bytes);
      NegotiationMessage reply = null;
      SluiceException failure = null;
      listener.sent(n, out);
      try {
        reply = transport.deliver(n.counterparty(), out, n.traceId());
      } catch (SluiceException e) {
        failure = e;
      }
      if (reply != null) {
        listener.received(n, reply);
        FaultPoints.reach(
            n.role().name().toLowerCase(Locale.ROOT) + "." + kindOf(reply) + ".received");
      }
      try (KeyedLocks.Held held = changes.lock(id)) {
        Negotiation current = require(id);
        if (!current.outgoing().carries(bytes)) {
          n = current; // it moved on while we talked; the reply answers a message we no longer send
        } else if (failure != null) {
          n = afterFailedDelivery(current, out, failure);
        } else {
          n =
              current.role() == Role.CONSUMER
                  ? onConsumerReply(current, reply)
                  : acknowledged(current);
        }
      }
    }
    return n;
  }

  private Negotiation afterFailedDelivery(
      Negotiation n, NegotiationMessage out, SluiceException e) {
    long now = clock.millis();
    if (!retryable(e)) {
      // The peer refused the message itself (protocol violation, bad signature, unknown offer...).
      String reason = n.counterparty() + " refused " + kindOf(out) + ": " + e.getMessage();
      if (n.state().isFinal()) {
        return store.save(
            n.withNothingToSend().moveTo(n.state(), now, List.of(reason)), null, null);
      }
      return terminateWithNotice(n, "REFUSED", List.of(reason), now);
    }
    int failures = n.attempts() + 1;
    if (!n.state().isFinal() && retry.windowPassed(n.outgoing().sinceMs(), now)) {
      return giveUp(n, failures, now);
    }
    long next = now + retry.delayMillis(failures, jitter.nextDouble());
    log.info(
        "negotiation {}: {} unreachable ({} failed deliveries of {}), next try in {} ms",
        n.id(),
        n.counterparty(),
        failures,
        kindOf(out),
        next - now);
    return store.save(
        n.withOutgoing(n.outgoing().failedAgain(next)).moveTo(n.state(), now, List.of()),
        null,
        null);
  }

  /**
   * The window passed without a delivery: the negotiation ends here, and the peer is told when it
   * is back (it may have acted on a message whose reply we never saw).
   */
  private Negotiation giveUp(Negotiation n, int failures, long now) {
    String reason =
        n.counterparty()
            + " unreachable for "
            + retry.window().toSeconds()
            + " s ("
            + failures
            + " failed deliveries); the negotiation was given up";
    log.warn("negotiation {}: {}", n.id(), reason);
    NegotiationMessage notice = termination(n, "GAVE_UP", List.of(reason));
    Outgoing later =
        new Outgoing(notice.toByteArray(), 0, now, now + retry.delayMillis(1, jitter.nextDouble()));
    NegotiationState terminated = transition(n, Direction.SENT, Kind.TERMINATION);
    return store.save(n.withOutgoing(later).moveTo(terminated, now, List.of(reason)), null, null);
  }

  /** Transport failures, an overloaded peer and a peer's internal error may pass; retry them. */
  static boolean retryable(SluiceException e) {
    return RetryPolicy.retryable(e);
  }

  private Negotiation onConsumerReply(Negotiation n, NegotiationMessage reply) {
    long now = clock.millis();
    if (n.state().isFinal()) {
      // We were delivering a termination; any answer acknowledges it.
      return acknowledged(n);
    }
    if (!reply.getProviderPid().isEmpty()) {
      if (n.peerPid().isEmpty()) {
        n = n.withPeerPid(reply.getProviderPid());
      } else if (!n.peerPid().equals(reply.getProviderPid())) {
        return violation(n, "the reply is for negotiation " + reply.getProviderPid(), now);
      }
    }
    return switch (reply.getBodyCase()) {
      case AGREEMENT -> onAgreement(n, reply.getAgreement().getAgreement(), now);
      case OFFER -> onOffer(n, reply.getOffer(), now);
      case EVENT -> onEvent(n, reply.getEvent(), now);
      case TERMINATION -> onTerminationReply(n, reply.getTermination(), now);
      default -> violation(n, "unexpected reply " + reply.getBodyCase(), now);
    };
  }

  private Negotiation onOffer(Negotiation n, ContractOffer offer, long now) {
    Optional<NegotiationState> offered =
        Transitions.next(n.role(), n.state(), Direction.RECEIVED, Kind.OFFER);
    if (offered.isEmpty()) {
      return violation(n, "counter-offer received in state " + n.state(), now);
    }
    String counter = offer.getPolicyJson();
    n = n.withOffered(counter).moveTo(offered.get(), now, offer.getReasonsList());
    PolicyJudge.Verdict verdict = judge.judgeCounter(counter, n.acceptablePolicy());
    if (verdict instanceof PolicyJudge.Agree) {
      NegotiationMessage accept =
          envelope(n)
              .setEvent(NegotiationEvent.newBuilder().setType(NegotiationEvent.Type.ACCEPTED))
              .build();
      NegotiationState accepted = transition(n, Direction.SENT, Kind.ACCEPTED);
      return store.save(
          n.sending(accept.toByteArray(), now).moveTo(accepted, now, List.of()), null, null);
    }
    List<String> reasons = new ArrayList<>();
    reasons.add("counter-offer declined");
    if (verdict instanceof PolicyJudge.Refuse refuse) {
      reasons.addAll(refuse.reasons());
    }
    return terminateWithNotice(n, "DECLINED", reasons, now);
  }

  private Negotiation onEvent(Negotiation n, NegotiationEvent event, long now) {
    if (event.getType() != NegotiationEvent.Type.FINALIZED) {
      return violation(n, "unexpected event " + event.getType(), now);
    }
    Optional<NegotiationState> finalized =
        Transitions.next(n.role(), n.state(), Direction.RECEIVED, Kind.FINALIZED);
    if (finalized.isEmpty()) {
      return violation(n, "FINALIZED received in state " + n.state(), now);
    }
    NegotiationStore.StoredAgreement stored = store.agreement(n.agreementId()).orElseThrow();
    return store.save(
        n.withNothingToSend().moveTo(finalized.get(), now, List.of()), null, withFinalized(stored));
  }

  private Negotiation onTerminationReply(Negotiation n, Termination termination, long now) {
    NegotiationState terminated = transition(n, Direction.RECEIVED, Kind.TERMINATION);
    List<String> reasons = new ArrayList<>();
    reasons.add(n.counterparty() + " terminated the negotiation");
    reasons.addAll(termination.getReasonsList());
    return store.save(n.withNothingToSend().moveTo(terminated, now, reasons), null, null);
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
      problems.addAll(
          agreementProblems(
              n, agreement, self.identity().participant(), judge.canonical(expected), now));
    }
    if (!problems.isEmpty()) {
      problems.add(0, "agreement from " + n.counterparty() + " refused");
      return terminateWithNotice(n, "DECLINED", problems, now);
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
            agreed.sending(verification.toByteArray(), now).moveTo(verified, now, List.of()),
            null,
            stored);
    listener.agreementSigned(saved, agreement.getAgreementId(), countersigned.toByteArray());
    FaultPoints.reach("consumer.verification.persisted");
    return saved;
  }

  /**
   * What is wrong with an agreement a provider sent for negotiation {@code n}, which only it signed
   * so far: it must be for us, from the provider we asked, for the dataset, offer, purpose and
   * negotiation we asked about, with the policy we asked for, and not expired. A provider that
   * changes any of them (say, our purpose, to widen what we may later be held to) is refused.
   */
  static List<String> agreementProblems(
      Negotiation n, Agreement agreement, String self, byte[] expectedPolicy, long nowMs) {
    List<String> problems = new ArrayList<>();
    if (!agreement.getConsumerId().equals(self)) {
      problems.add("the agreement names consumer '" + agreement.getConsumerId() + "'");
    }
    if (!agreement.getProviderId().equals(n.counterparty())) {
      problems.add("the agreement names provider '" + agreement.getProviderId() + "'");
    }
    if (!agreement.getDatasetId().equals(n.datasetId())) {
      problems.add("the agreement is for dataset '" + agreement.getDatasetId() + "'");
    }
    if (!agreement.getOfferId().equals(n.offerId())) {
      problems.add("the agreement is for offer '" + agreement.getOfferId() + "'");
    }
    if (!agreement.getNegotiationId().equals(n.id())) {
      problems.add("the agreement is for negotiation '" + agreement.getNegotiationId() + "'");
    }
    if (!agreement.getPurpose().equals(n.purpose())) {
      problems.add("the agreement is for purpose '" + agreement.getPurpose() + "'");
    }
    if (!java.util.Arrays.equals(agreement.getPolicy().toByteArray(), expectedPolicy)) {
      problems.add("the agreement's policy is not the policy we asked for");
    }
    if (agreement.getValidUntilMs() <= nowMs) {
      problems.add("the agreement is already expired");
    }
    return problems;
  }

  /** Ends a negotiation that is not final and queues a termination notice for the peer. */
  private Negotiation terminateWithNotice(
      Negotiation n, String code, List<String> reasons, long now) {
    NegotiationState terminated = transition(n, Direction.SENT, Kind.TERMINATION);
    NegotiationMessage notice = termination(n, code, reasons);
    return store.save(
        n.sending(notice.toByteArray(), now).moveTo(terminated, now, reasons), null, null);
  }

  private Negotiation violation(Negotiation n, String what, long now) {
    return terminateWithNotice(
        n, "DECLINED", List.of("protocol violation by " + n.counterparty() + ": " + what), now);
  }

  private Negotiation acknowledged(Negotiation n) {
    return store.save(
        n.withNothingToSend().moveTo(n.state(), clock.millis(), List.of()), null, null);
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
    Optional<Negotiation> n = locate(from, message);
    if (n.isEmpty() && isTerminationOfUnknown(message)) {
      return onTerminationOfUnknown(caller, message, traceId);
    }
    return handleKnown(
        n.orElseThrow(() -> new SluiceException(ErrorCode.NOT_FOUND, "no such negotiation")),
        caller,
        message);
  }

  private NegotiationMessage handleKnown(
      Negotiation found, PeerIdentity caller, NegotiationMessage message) {
    try (KeyedLocks.Held held = changes.lock(found.id())) {
      Optional<byte[]> replayed =
          store.processedReply(caller.participant(), message.getMessageId());
      if (replayed.isPresent()) {
        return replay(caller.participant(), message, replayed.get());
      }
      Negotiation n = require(found.id());
      listener.received(n, message);
      return switch (n.role()) {
        case PROVIDER -> onProviderMessage(n, caller, message);
        case CONSUMER -> onConsumerMessage(n, message);
      };
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
            : locate(from, message);
    n.ifPresent(
        x -> {
          listener.received(x, message);
          listener.sent(x, reply);
        });
    return reply;
  }

  private NegotiationMessage onRequest(
      PeerIdentity caller, NegotiationMessage message, String traceId) {
    String consumerPid = message.getConsumerPid();
    if (consumerPid.isEmpty() || consumerPid.length() > 128) {
      throw new SluiceException(
          ErrorCode.MALFORMED_MESSAGE, "a request needs the consumer's negotiation id");
    }
    try (KeyedLocks.Held held = changes.lock(peerKey(caller.participant(), consumerPid))) {
      Optional<byte[]> replayed =
          store.processedReply(caller.participant(), message.getMessageId());
      if (replayed.isPresent()) {
        return replay(caller.participant(), message, replayed.get());
      }
      if (store.findByPeer(Role.PROVIDER, caller.participant(), consumerPid).isPresent()) {
        throw new SluiceException(
            ErrorCode.PROTOCOL_VIOLATION, "negotiation " + consumerPid + " was already requested");
      }
      return onNewRequest(caller, message, traceId);
    }
  }

  private NegotiationMessage onNewRequest(
      PeerIdentity caller, NegotiationMessage message, String traceId) {
    ContractRequest request = message.getRequest();
    long now = clock.millis();
    NegotiationState requested = transition(Role.PROVIDER, null, Direction.RECEIVED, Kind.REQUEST);
    Negotiation n =
        new Negotiation(
            newId(),
            Role.PROVIDER,
            caller.participant(),
            message.getConsumerPid(),
            request.getDatasetId(),
            request.getOfferId(),
            requested,
            request.getPurpose(),
            request.getPolicyJson(),
            "",
            "",
            "",
            List.of(),
            Outgoing.NONE,
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

  /**
   * A consumer's termination naming only its own id: its request never got through (or we lost
   * track of it). Record the negotiation as TERMINATED so that both sides know it and a late
   * request with that id is refused.
   */
  private static boolean isTerminationOfUnknown(NegotiationMessage message) {
    return message.hasTermination()
        && message.getProviderPid().isEmpty()
        && !message.getConsumerPid().isEmpty()
        && message.getConsumerPid().length() <= 128;
  }

  private NegotiationMessage onTerminationOfUnknown(
      PeerIdentity caller, NegotiationMessage message, String traceId) {
    String from = caller.participant();
    try (KeyedLocks.Held held = changes.lock(peerKey(from, message.getConsumerPid()))) {
      Optional<Negotiation> known = store.findByPeer(Role.PROVIDER, from, message.getConsumerPid());
      if (known.isPresent()) {
        return handleKnown(known.get(), caller, message);
      }
      long now = clock.millis();
      List<String> reasons = new ArrayList<>();
      reasons.add(from + " terminated a negotiation before its request reached us");
      reasons.addAll(message.getTermination().getReasonsList());
      Negotiation n =
          new Negotiation(
              newId(),
              Role.PROVIDER,
              from,
              message.getConsumerPid(),
              "",
              "",
              transition(Role.PROVIDER, null, Direction.RECEIVED, Kind.TERMINATION),
              "",
              "",
              "",
              "",
              "",
              reasons,
              Outgoing.NONE,
              traceId,
              now,
              now,
              0);
      listener.received(n, message);
      return reply(n, message, acknowledgement(n), null);
    }
  }

  private NegotiationMessage onProviderMessage(
      Negotiation n, PeerIdentity caller, NegotiationMessage message) {
    long now = clock.millis();
    if (message.hasTermination()) {
      return onTermination(n, message, now);
    }
    if (n.state() == NegotiationState.TERMINATED) {
      // We ended it while the consumer's message was on its way (say, our timeout): say so again.
      return unchanged(
          n,
          termination(
              n, "TERMINATED", List.of("negotiation " + n.id() + " was already terminated")));
    }
    return switch (message.getBodyCase()) {
      case EVENT -> onAccepted(n, caller, message, now);
      case VERIFICATION -> onVerification(n, message, now);
      default -> throw violation("a consumer may not send " + message.getBodyCase());
    };
  }

  private NegotiationMessage onAccepted(
      Negotiation n, PeerIdentity caller, NegotiationMessage message, long now) {
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

  private NegotiationMessage onVerification(Negotiation n, NegotiationMessage message, long now) {
    NegotiationState verified = transitionOrViolation(n, Direction.RECEIVED, Kind.VERIFICATION);
    NegotiationStore.StoredAgreement ours = store.agreement(n.agreementId()).orElseThrow();
    SignedAgreement theirs = message.getVerification().getAgreement();
    SignedAgreement mine = Agreements.parseSigned(ours.signedAgreement());
    if (!theirs.getAgreement().equals(mine.getAgreement())
        || !theirs.getProviderSignature().equals(mine.getProviderSignature())
        || !theirs.getProviderCertificate().equals(mine.getProviderCertificate())) {
      throw new SluiceException(
          ErrorCode.BAD_SIGNATURE, "the countersigned agreement differs from the one we signed");
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

  /** A consumer receives only terminations outside the request/reply flow. */
  private NegotiationMessage onConsumerMessage(Negotiation n, NegotiationMessage message) {
    if (message.getBodyCase() != NegotiationMessage.BodyCase.TERMINATION) {
      throw violation("a provider may only send a termination outside a reply");
    }
    return onTermination(n, message, clock.millis());
  }

  /**
   * The peer ends the negotiation: a move to TERMINATED when it is not final; for a FINALIZED one,
   * the agreement ends and the negotiation stays FINALIZED (a notice we still had to deliver about
   * it is moot); when it has ended already (both sides ended it at once), nothing changes and our
   * own notice is still delivered, to be acknowledged the same way.
   */
  private NegotiationMessage onTermination(Negotiation n, NegotiationMessage message, long now) {
    List<String> reasons = new ArrayList<>();
    reasons.add(n.counterparty() + " terminated");
    reasons.addAll(message.getTermination().getReasonsList());
    NegotiationMessage ack = acknowledgement(n);
    return switch (n.state()) {
      case FINALIZED -> {
        if (!store.terminateAgreement(n.agreementId(), String.join("; ", reasons))) {
          yield unchanged(n, ack);
        }
        yield reply(n.withNothingToSend().moveTo(n.state(), now, reasons), message, ack, null);
      }
      case TERMINATED -> unchanged(n, ack);
      default -> {
        NegotiationState terminated =
            transitionOrViolation(n, Direction.RECEIVED, Kind.TERMINATION);
        yield reply(n.withNothingToSend().moveTo(terminated, now, reasons), message, ack, null);
      }
    };
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
    Negotiation terminated =
        n.moveTo(transition(n, Direction.SENT, Kind.TERMINATION), now, reasons);
    NegotiationMessage reply = termination(terminated, "REFUSED", reasons);
    listener.policyDenied(terminated, reasons);
    return reply(terminated, message, reply, null);
  }

  /**
   * A reply that changes nothing, so nothing is stored: the same message again gets an answer of
   * the same meaning (a termination stays a termination), and a replay writes nothing.
   */
  private NegotiationMessage unchanged(Negotiation n, NegotiationMessage reply) {
    listener.sent(n, reply);
    return reply;
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

  /**
   * Terminates, and tells the consumer, every provider negotiation that has waited in OFFERED or
   * AGREED for longer than the retry policy's timeout: the consumer is gone, or gave up without its
   * notice getting through, and an agreement nobody verifies must not stay open for good.
   */
  void terminateOverdue(long now) {
    long before = now - retry.agreedTimeout().toMillis();
    for (NegotiationState waiting : List.of(NegotiationState.OFFERED, NegotiationState.AGREED)) {
      for (Negotiation stale : store.idle(Role.PROVIDER, waiting, before)) {
        try (KeyedLocks.Held held = changes.lock(stale.id())) {
          Negotiation n = require(stale.id());
          if (n.state() == waiting && n.updatedMs() < before) {
            String reason =
                n.counterparty()
                    + " did not answer within "
                    + retry.agreedTimeout().toSeconds()
                    + " s of "
                    + waiting
                    + "; the negotiation was terminated";
            log.warn("negotiation {}: {}", n.id(), reason);
            terminateWithNotice(n, "EXPIRED", List.of(reason), now);
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- both sides

  /**
   * Ends a negotiation, or the agreement it produced, from this side and tells the peer (the notice
   * is delivered like any pending message).
   */
  public Negotiation terminate(String idOrAgreementId, String reason) {
    Negotiation found =
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
    try (KeyedLocks.Held held = changes.lock(found.id())) {
      Negotiation n = require(found.id());
      if (n.state() == NegotiationState.TERMINATED) {
        throw new SluiceException(
            ErrorCode.CONFLICT, "negotiation " + n.id() + " is already terminated");
      }
      if (n.state() != NegotiationState.FINALIZED) {
        terminateWithNotice(n, "TERMINATED", reasons, now);
      } else if (store.terminateAgreement(n.agreementId(), reasons.get(0))) {
        NegotiationMessage notice = termination(n, "TERMINATED", reasons);
        store.save(
            n.sending(notice.toByteArray(), now).moveTo(n.state(), now, reasons), null, null);
      } else {
        throw new SluiceException(
            ErrorCode.CONFLICT, "agreement " + n.agreementId() + " is already terminated");
      }
    }
    return drive(found.id());
  }

  public Optional<Negotiation> find(String id) {
    return store.find(id);
  }

  public List<Negotiation> list() {
    return store.list();
  }

  /** Locks that exist right now (held or awaited); bounded by the threads using them. */
  int locksInUse() {
    return deliveries.size() + changes.size();
  }

  private Optional<Negotiation> locate(String from, NegotiationMessage message) {
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
    // Do not reveal that the negotiation exists with someone else.
    return n.filter(found -> found.counterparty().equals(from));
  }

  private static String peerKey(String participant, String consumerPid) {
    return "peer " + participant + " " + consumerPid;
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

  private NegotiationMessage termination(Negotiation n, String code, List<String> reasons) {
    return envelope(n)
        .setTermination(Termination.newBuilder().setCode(code).addAllReasons(reasons))
        .build();
  }

  private NegotiationMessage acknowledgement(Negotiation n) {
    return envelope(n).setTermination(Termination.newBuilder().setCode("ACKNOWLEDGED")).build();
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
