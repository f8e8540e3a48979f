package io.sluice.collaboration;

import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.collaboration.CollaborationStore.Changes;
import io.sluice.collaboration.CollaborationStore.Delivery;
import io.sluice.collaboration.CollaborationStore.Processed;
import io.sluice.collaboration.CollaborationTransitions.Kind;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.fault.FaultPoints;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.PeerIdentity;
import io.sluice.negotiation.KeyedLocks;
import io.sluice.negotiation.Outgoing;
import io.sluice.negotiation.RetryPolicy;
import io.sluice.negotiation.Transitions.Direction;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.CollaborationAck;
import io.sluice.proto.v1.CollaborationMember;
import io.sluice.proto.v1.CollaborationMessage;
import io.sluice.proto.v1.CollaborationRefusal;
import io.sluice.proto.v1.MemberSignature;
import io.sluice.proto.v1.SignedCollaboration;
import io.sluice.signing.SignedDocuments;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives collaborations on every member's node, with the negotiation's machinery: one transition
 * table ({@link CollaborationTransitions}), an outbox of one message per member ({@link Outgoing},
 * retried with the {@link RetryPolicy}'s back-off until delivered), {@link KeyedLocks} for one
 * deliverer per (collaboration, member) and short read-change-save sections per collaboration, and
 * idempotent handling of inbound messages keyed by (collaboration, sender, slot): a repeat gets the
 * first reply and changes nothing. Every change of state is saved together with the messages it
 * owes and the reply it gives, so a crash at any point leaves a state that a restart completes.
 *
 * <p>The proposer signs as it proposes and queues the proposal for every other member. A member
 * judges the proposal at once: if its own terms are not met it refuses in its reply; otherwise it
 * holds it PROPOSED until its operator signs ({@link #sign}), which judges again and countersigns
 * (or refuses). With the last countersignature the proposer assembles the final document and queues
 * it for every member; a refusal instead makes it queue an abandonment. Undelivered messages are
 * retried until delivered; what is not signed by its expiry expires on every node by its own clock.
 */
public final class CollaborationManager {
  private static final Logger log = LoggerFactory.getLogger(CollaborationManager.class);

  private final NodeCredentials self;
  private final AuthorityTrust trust;
  private final CollaborationStore store;
  private final CollaborationTransport transport;
  private final CollaborationJudge judge;
  private final CollaborationListener listener;
  private final Clock clock;
  private final RetryPolicy retry;
  private final RandomGenerator jitter;
  private final KeyedLocks deliveries = new KeyedLocks();
  private final KeyedLocks changes = new KeyedLocks();

  public CollaborationManager(
      NodeCredentials self,
      AuthorityTrust trust,
      CollaborationStore store,
      CollaborationTransport transport,
      CollaborationJudge judge,
      CollaborationListener listener,
      Clock clock,
      RetryPolicy retry,
      RandomGenerator jitter) {
    this.self = self;
    this.trust = trust;
    this.store = store;
    this.transport = transport;
    this.judge = judge;
    this.listener = listener;
    this.clock = clock;
    this.retry = retry;
    this.jitter = jitter;
  }

  private String me() {
    return self.identity().participant();
  }

  // ---------------------------------------------------------------- operator side

  /**
   * Proposes {@code c} (its proposer must be this node): judges it against this node's own terms,
   * signs, stores it SIGNING with the proposal queued for every other member, and delivers what it
   * can now. Proposing the same document again returns the stored one.
   *
   * @throws SluiceException COLLABORATION_REFUSED when this node's own terms are not met,
   *     COLLABORATION_CONFLICT when the id is taken by another document
   */
  public StoredCollaboration propose(Collaboration c, String traceId) {
    if (!c.getProposer().equals(me())) {
      throw new SluiceException(ErrorCode.INVALID_COLLABORATION, "the proposer must be " + me());
    }
    CollaborationRules.requireValid(c);
    requireSpace(c);
    byte[] document = c.toByteArray();
    try (KeyedLocks.Held held = changes.lock(c.getCollaborationId())) {
      Optional<StoredCollaboration> known = store.find(c.getCollaborationId());
      if (known.isPresent()) {
        requireSameDocument(known.get(), document);
      } else {
        List<String> problems = judge.problems(c, me(), null, clock.instant());
        if (!problems.isEmpty()) {
          throw new SluiceException(
              ErrorCode.COLLABORATION_REFUSED,
              "this node's own terms are not met: " + String.join("; ", problems));
        }
        createProposal(c, document, traceId);
      }
    }
    FaultPoints.reach("collaboration.proposal.persisted");
    return drive(c.getCollaborationId());
  }

  private void createProposal(Collaboration c, byte[] document, String traceId) {
    long now = clock.millis();
    MemberSignature mine = CollaborationSignatures.sign(document, self);
    SignedCollaboration signed = CollaborationSignatures.assemble(document, c, List.of(mine));
    CollaborationMessage proposal =
        CollaborationMessage.newBuilder()
            .setCollaborationId(c.getCollaborationId())
            .setProposal(signed)
            .build();
    CollaborationState signing =
        transition(CollaborationRole.PROPOSER, null, Direction.SENT, Kind.PROPOSAL);
    StoredCollaboration s =
        new StoredCollaboration(
            c.getCollaborationId(),
            CollaborationRole.PROPOSER,
            me(),
            signing,
            signed.toByteArray(),
            List.of(),
            traceId == null || traceId.isEmpty() ? UUID.randomUUID().toString() : traceId,
            c.getExpiresMs(),
            now,
            now,
            0);
    List<Delivery> send = toOthers(c, null, Kind.PROPOSAL, proposal, now);
    StoredCollaboration saved = store.save(s, new Changes(false, send, List.of(), null, mine));
    listener.proposed(saved);
    listener.signed(saved, me());
  }

  /**
   * This member's operator signs a proposal it reviewed: judged again against this node's offer and
   * {@code acceptableJson} (optional), then countersigned and sent to the proposer — or, when the
   * terms are not met, refused with the reasons. Signing what is signed already returns it.
   *
   * @throws SluiceException COLLABORATION_WRONG_STATE when it was refused or expired
   */
  public StoredCollaboration sign(String id, String acceptableJson) {
    try (KeyedLocks.Held held = changes.lock(id)) {
      StoredCollaboration s = require(id);
      if (s.state() == CollaborationState.PROPOSED) {
        signOrRefuse(s, acceptableJson);
      } else if (s.state().isFinal()) {
        throw new SluiceException(
            ErrorCode.COLLABORATION_WRONG_STATE,
            "collaboration " + id + " is " + s.state() + ": " + String.join("; ", s.reasons()));
      }
    }
    FaultPoints.reach("collaboration.answer.persisted");
    return drive(id);
  }

  /**
   * This member's operator refuses a proposal it reviewed, for {@code reason}: REFUSED, and the
   * refusal goes to the proposer, which abandons the collaboration. Refusing what is refused
   * already returns it.
   *
   * @throws SluiceException COLLABORATION_WRONG_STATE once this member signed it (or it expired)
   */
  public StoredCollaboration refuse(String id, String reason) {
    try (KeyedLocks.Held held = changes.lock(id)) {
      StoredCollaboration s = require(id);
      if (s.state() == CollaborationState.PROPOSED) {
        refuseAsMember(
            s, List.of("refused by the operator of " + me() + ": " + reason), clock.millis());
      } else if (s.state() != CollaborationState.REFUSED) {
        throw new SluiceException(
            ErrorCode.COLLABORATION_WRONG_STATE,
            "collaboration "
                + id
                + " is "
                + s.state()
                + "; only a proposal under review is refused");
      }
    }
    FaultPoints.reach("collaboration.answer.persisted");
    return drive(id);
  }

  private void signOrRefuse(StoredCollaboration s, String acceptableJson) {
    Collaboration c = s.collaboration();
    long now = clock.millis();
    List<String> problems = judge.problems(c, me(), acceptableJson, clock.instant());
    if (!problems.isEmpty()) {
      refuseAsMember(s, problems, now);
      return;
    }
    byte[] document = s.document();
    MemberSignature mine = CollaborationSignatures.sign(document, self);
    List<MemberSignature> held = new ArrayList<>(s.signedCollaboration().getSignaturesList());
    held.add(mine);
    CollaborationState signing =
        transition(s.role(), s.state(), Direction.SENT, Kind.COUNTERSIGNATURE);
    CollaborationMessage answer =
        CollaborationMessage.newBuilder()
            .setCollaborationId(s.id())
            .setCountersignature(mine)
            .build();
    StoredCollaboration saved =
        store.save(
            s.withSigned(CollaborationSignatures.assemble(document, c, held).toByteArray())
                .moveTo(signing, now, List.of()),
            new Changes(
                false,
                List.of(delivery(s.id(), s.proposer(), Kind.COUNTERSIGNATURE, answer, now)),
                List.of(),
                null,
                mine));
    listener.signed(saved, me());
  }

  private void refuseAsMember(StoredCollaboration s, List<String> problems, long now) {
    CollaborationState refused = transition(s.role(), s.state(), Direction.SENT, Kind.REFUSAL);
    CollaborationMessage answer =
        CollaborationMessage.newBuilder()
            .setCollaborationId(s.id())
            .setRefusal(refusal("REFUSED", problems))
            .build();
    StoredCollaboration saved =
        store.save(
            s.moveTo(refused, now, problems),
            new Changes(
                true,
                List.of(delivery(s.id(), s.proposer(), Kind.REFUSAL, answer, now)),
                List.of(),
                null,
                null));
    listener.refused(saved, me(), problems);
  }

  public Optional<StoredCollaboration> find(String id) {
    return store.find(id);
  }

  /**
   * The collaboration, if it is in force on this node now: every member signed it (this node holds
   * the final document with every valid signature) and it has not expired. What a computation under
   * it starts from.
   *
   * @throws SluiceException COLLABORATION_NOT_IN_FORCE otherwise, COLLABORATION_NOT_FOUND
   */
  public Collaboration requireInForce(String id) {
    StoredCollaboration s = require(id);
    if (s.state() != CollaborationState.IN_FORCE || s.expiresMs() <= clock.millis()) {
      throw new SluiceException(
          ErrorCode.COLLABORATION_NOT_IN_FORCE,
          "collaboration " + id + " is not in force (" + s.state() + ")");
    }
    CollaborationSignatures.Check check =
        CollaborationSignatures.check(s.signedCollaboration(), trust, false);
    if (!check.complete()) {
      throw new SluiceException(
          ErrorCode.COLLABORATION_NOT_IN_FORCE,
          "collaboration " + id + " does not verify now: " + String.join("; ", check.problems()));
    }
    return check.collaboration();
  }

  public List<StoredCollaboration> list() {
    return store.list();
  }

  // ---------------------------------------------------------------- inbound messages

  /**
   * Handles one message from {@code caller} and returns the acknowledgement. Idempotent: a message
   * of a (collaboration, sender, slot) seen before gets the stored reply and changes nothing; a
   * different message in a slot already used is refused (COLLABORATION_CONFLICT).
   */
  public CollaborationAck handle(PeerIdentity caller, CollaborationMessage m, String traceId) {
    Kind kind = kindOf(m);
    String id = m.getCollaborationId();
    if (!CollaborationRules.ID.matcher(id).matches()) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "a message needs a collaboration id");
    }
    Inbound in =
        new Inbound(caller.participant(), kind, SignedDocuments.sha256Hex(m.toByteArray()));
    Optional<CollaborationAck> replayed = replayed(id, in);
    if (replayed.isPresent()) {
      return replayed.get();
    }
    FaultPoints.reach(
        "collaboration." + kind.name().toLowerCase(java.util.Locale.ROOT) + ".received");
    try (KeyedLocks.Held held = changes.lock(id)) {
      replayed = replayed(id, in);
      if (replayed.isPresent()) {
        return replayed.get();
      }
      if (kind == Kind.ABANDONMENT && store.find(id).isEmpty()) {
        // the proposal never reached us before it was abandoned: nothing to end, nothing to keep
        return CollaborationAck.newBuilder().setCollaborationId(id).setState("UNKNOWN").build();
      }
      return switch (kind) {
        case PROPOSAL -> onProposal(in, m.getProposal(), id, traceId);
        case COUNTERSIGNATURE -> onCountersignature(in, m.getCountersignature(), requireKnown(id));
        case REFUSAL -> onRefusal(in, m.getRefusal(), requireKnown(id));
        case FINAL -> onFinal(in, m.getFinal(), requireKnown(id));
        case ABANDONMENT -> onAbandonment(in, m.getAbandonment(), requireKnown(id));
        case EXPIRY -> throw new IllegalStateException("expiry is no message");
      };
    }
  }

  /** An inbound message: its sender, kind and digest (hex SHA-256 of its bytes). */
  private record Inbound(String from, Kind kind, String digest) {}

  /**
   * The stored reply when this sender's message of this slot was processed before: the same message
   * gets it again; a different one in the slot (a second answer, another proposal under the id) is
   * refused.
   */
  private Optional<CollaborationAck> replayed(String id, Inbound in) {
    Optional<Processed> done =
        store.processed(id, in.from(), CollaborationTransitions.slotOf(in.kind()));
    if (done.isEmpty()) {
      return Optional.empty();
    }
    if (!done.get().messageSha256().equals(in.digest())) {
      throw new SluiceException(
          ErrorCode.COLLABORATION_CONFLICT,
          in.from()
              + " already sent its "
              + CollaborationTransitions.slotOf(in.kind()).name().toLowerCase(java.util.Locale.ROOT)
              + " for "
              + id
              + "; a different one is refused");
    }
    return Optional.of(parseAck(done.get().reply()));
  }

  private CollaborationAck onProposal(
      Inbound in, SignedCollaboration proposal, String id, String traceId) {
    String from = in.from();
    byte[] document = proposal.getCollaboration().toByteArray();
    Collaboration c = CollaborationRules.parseCanonical(document);
    if (!c.getCollaborationId().equals(id)) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "the proposal is for another id");
    }
    if (!c.getProposer().equals(from)) {
      throw new SluiceException(
          ErrorCode.NOT_A_MEMBER, from + " is not the proposer of collaboration " + id);
    }
    if (!CollaborationRules.isMember(c, me()) || me().equals(from)) {
      throw new SluiceException(ErrorCode.NOT_A_MEMBER, me() + " is no member of " + id);
    }
    requireSpace(c);
    if (proposal.getSignaturesCount() != 1) {
      throw new SluiceException(
          ErrorCode.COLLABORATION_SIGNATURE_INVALID,
          "a proposal carries the proposer's signature only");
    }
    CollaborationSignatures.requireValid(proposal.getSignatures(0), from, c, document, trust);
    Optional<StoredCollaboration> known = store.find(id);
    if (known.isPresent()) {
      requireSameDocument(known.get(), document);
      return ack(known.get(), List.of());
    }
    return storeProposal(in, c, proposal, traceId);
  }

  private CollaborationAck storeProposal(
      Inbound in, Collaboration c, SignedCollaboration proposal, String traceId) {
    String from = in.from();
    long now = clock.millis();
    CollaborationState proposed =
        transition(CollaborationRole.MEMBER, null, Direction.RECEIVED, Kind.PROPOSAL);
    StoredCollaboration s =
        new StoredCollaboration(
            c.getCollaborationId(),
            CollaborationRole.MEMBER,
            from,
            proposed,
            proposal.toByteArray(),
            List.of(),
            traceId == null || traceId.isEmpty() ? UUID.randomUUID().toString() : traceId,
            c.getExpiresMs(),
            now,
            now,
            0);
    List<String> problems = judge.problems(c, me(), null, clock.instant());
    if (!problems.isEmpty()) {
      // Refused at once: the reply is the answer, so nothing waits in the outbox.
      StoredCollaboration refused =
          s.moveTo(transition(s.role(), proposed, Direction.SENT, Kind.REFUSAL), now, problems);
      CollaborationAck ack = ack(refused, problems);
      StoredCollaboration saved =
          store.save(refused, Changes.NONE.withProcessed(processed(in, ack)));
      listener.refused(saved, me(), problems);
      return ack;
    }
    CollaborationAck ack = ack(s, List.of());
    StoredCollaboration saved = store.save(s, Changes.NONE.withProcessed(processed(in, ack)));
    listener.proposed(saved);
    return ack;
  }

  private CollaborationAck onCountersignature(
      Inbound in, MemberSignature signature, StoredCollaboration s) {
    String from = in.from();
    Collaboration c = requireFromMember(s, from);
    byte[] document = s.document();
    CollaborationSignatures.requireValid(signature, from, c, document, trust);
    if (s.state() != CollaborationState.SIGNING) {
      return answered(s, in, Changes.NONE);
    }
    long now = clock.millis();
    List<MemberSignature> all = new ArrayList<>(store.signatures(s.id()));
    all.add(signature);
    SignedCollaboration assembled = CollaborationSignatures.assemble(document, c, all);
    transition(s.role(), s.state(), Direction.RECEIVED, Kind.COUNTERSIGNATURE);
    if (assembled.getSignaturesCount() < c.getMembersCount()) {
      StoredCollaboration next =
          s.withSigned(assembled.toByteArray()).moveTo(s.state(), now, List.of());
      CollaborationAck ack = ack(next, List.of());
      StoredCollaboration saved =
          store.save(next, new Changes(false, List.of(), List.of(), processed(in, ack), signature));
      listener.signed(saved, from);
      return ack;
    }
    return inForce(s, c, in, signature, assembled, now);
  }

  /** The last countersignature: the final document goes to every other member. */
  private CollaborationAck inForce(
      StoredCollaboration s,
      Collaboration c,
      Inbound in,
      MemberSignature signature,
      SignedCollaboration assembled,
      long now) {
    CollaborationState inForce = transition(s.role(), s.state(), Direction.SENT, Kind.FINAL);
    StoredCollaboration next =
        s.withSigned(assembled.toByteArray()).moveTo(inForce, now, List.of());
    CollaborationMessage fin =
        CollaborationMessage.newBuilder().setCollaborationId(s.id()).setFinal(assembled).build();
    CollaborationAck ack = ack(next, List.of());
    StoredCollaboration saved =
        store.save(
            next,
            new Changes(
                true,
                toOthers(c, null, Kind.FINAL, fin, now),
                List.of(),
                processed(in, ack),
                signature));
    listener.signed(saved, in.from());
    listener.inForce(saved, assembled.toByteArray());
    return ack;
  }

  private CollaborationAck onRefusal(
      Inbound in, CollaborationRefusal refusal, StoredCollaboration s) {
    String from = in.from();
    Collaboration c = requireFromMember(s, from);
    if (s.state() != CollaborationState.SIGNING) {
      return answered(s, in, Changes.NONE);
    }
    return abandon(s, c, from, refusalReasons(from, refusal.getReasonsList()), in);
  }

  /**
   * The proposer ends a collaboration that is still being signed because {@code by} refused it (in
   * a message when {@code inMessage}, else in a reply or by refusing a delivery): REFUSED, and an
   * abandonment queued for every other member.
   */
  private CollaborationAck abandon(
      StoredCollaboration s, Collaboration c, String by, List<String> reasons, Inbound in) {
    long now = clock.millis();
    CollaborationState refused = transition(s.role(), s.state(), Direction.RECEIVED, Kind.REFUSAL);
    StoredCollaboration next = s.moveTo(refused, now, reasons);
    CollaborationMessage notice =
        CollaborationMessage.newBuilder()
            .setCollaborationId(s.id())
            .setAbandonment(refusal("REFUSED", reasons))
            .build();
    CollaborationAck ack = ack(next, List.of());
    StoredCollaboration saved =
        store.save(
            next,
            new Changes(
                true,
                toOthers(c, by, Kind.ABANDONMENT, notice, now),
                List.of(),
                in == null ? null : processed(in, ack),
                null));
    listener.refused(saved, by, reasons);
    return ack;
  }

  private CollaborationAck onFinal(Inbound in, SignedCollaboration fin, StoredCollaboration s) {
    String from = in.from();
    requireFromProposer(s, from);
    byte[] document = s.document();
    if (!Arrays.equals(fin.getCollaboration().toByteArray(), document)) {
      throw new SluiceException(
          ErrorCode.COLLABORATION_CONFLICT, "the final document is not the document proposed");
    }
    CollaborationSignatures.Check check = CollaborationSignatures.check(fin, trust, false);
    if (!check.complete()
        || !CollaborationSignatures.assemble(
                document, check.collaboration(), fin.getSignaturesList())
            .equals(fin)) {
      List<String> problems = new ArrayList<>(check.problems());
      problems.add("signed by " + check.signed() + " of " + memberIds(check.collaboration()));
      throw new SluiceException(
          ErrorCode.COLLABORATION_SIGNATURE_INVALID,
          "final document refused: " + String.join("; ", problems));
    }
    if (s.state() == CollaborationState.IN_FORCE || s.state() == CollaborationState.EXPIRED) {
      return answered(s, in, Changes.NONE);
    }
    CollaborationState inForce = transitionOrWrongState(s, Direction.RECEIVED, Kind.FINAL);
    long now = clock.millis();
    StoredCollaboration next = s.withSigned(fin.toByteArray()).moveTo(inForce, now, List.of());
    CollaborationAck ack = ack(next, List.of());
    StoredCollaboration saved =
        store.save(next, new Changes(true, List.of(), List.of(), processed(in, ack), null));
    listener.inForce(saved, fin.toByteArray());
    return ack;
  }

  private CollaborationAck onAbandonment(
      Inbound in, CollaborationRefusal notice, StoredCollaboration s) {
    String from = in.from();
    requireFromProposer(s, from);
    // The proposer's clock ended it: the same end as this node's own clock gives it.
    Kind event = notice.getCode().equals("EXPIRED") ? Kind.EXPIRY : Kind.ABANDONMENT;
    Optional<CollaborationState> refused =
        CollaborationTransitions.next(s.role(), s.state(), Direction.RECEIVED, event);
    if (refused.isEmpty()) {
      return answered(s, in, Changes.NONE);
    }
    List<String> reasons = refusalReasons(from, notice.getReasonsList());
    StoredCollaboration next = s.moveTo(refused.get(), clock.millis(), reasons);
    CollaborationAck ack = ack(next, List.of());
    StoredCollaboration saved =
        store.save(next, new Changes(true, List.of(), List.of(), processed(in, ack), null));
    if (event == Kind.EXPIRY) {
      listener.expired(saved);
    } else {
      listener.refused(saved, from, reasons);
    }
    return ack;
  }

  /** Records a message that changes nothing, so a repeat gets the same reply. */
  private CollaborationAck answered(StoredCollaboration s, Inbound in, Changes more) {
    CollaborationAck ack = ack(s, List.of());
    store.save(
        s.moveTo(s.state(), clock.millis(), List.of()), more.withProcessed(processed(in, ack)));
    return ack;
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Re-delivers every message that is due, after expiring what passed its expiry (the node calls
   * this periodically and at start). A member that fails one delivery is not tried again in the
   * same round.
   */
  public void retryPending() {
    expire(clock.millis());
    Set<String> unreachable = new HashSet<>();
    for (Delivery d : store.due(clock.millis())) {
      if (unreachable.contains(d.member())) {
        continue;
      }
      try {
        Optional<KeyedLocks.Held> held =
            deliveries.tryLock(d.collaborationId() + "\0" + d.member());
        if (held.isEmpty()) {
          continue;
        }
        try (KeyedLocks.Held h = held.get()) {
          if (!deliverAll(d.collaborationId(), d.member())) {
            unreachable.add(d.member());
          }
        }
      } catch (RuntimeException e) {
        log.warn(
            "collaboration {}: delivery to {} failed: {}",
            d.collaborationId(),
            d.member(),
            e.getMessage());
      }
    }
  }

  /** Delivers every message of the collaboration that is queued, then returns it. */
  public StoredCollaboration drive(String id) {
    for (Delivery d : store.outbox(id)) {
      try (KeyedLocks.Held h = deliveries.lock(id + "\0" + d.member())) {
        deliverAll(id, d.member());
      }
    }
    return require(id);
  }

  /** Delivers the member's queued messages until none is left or one fails; false if one failed. */
  private boolean deliverAll(String id, String member) {
    boolean first = true;
    while (true) {
      Optional<Delivery> next =
          store.outbox(id).stream().filter(d -> d.member().equals(member)).findFirst();
      if (next.isEmpty()) {
        return true;
      }
      Delivery d = next.get();
      if (!first && d.outgoing().nextAttemptMs() > clock.millis()) {
        return true;
      }
      first = false;
      if (!deliverOnce(require(id), d)) {
        return false;
      }
    }
  }

  private boolean deliverOnce(StoredCollaboration s, Delivery d) {
    CollaborationMessage message = parseMessage(d.outgoing().message());
    CollaborationAck ack = null;
    SluiceException failure = null;
    try {
      ack = transport.deliver(d.member(), message, s.traceId());
    } catch (SluiceException e) {
      failure = e;
    }
    try (KeyedLocks.Held held = changes.lock(s.id())) {
      StoredCollaboration current = require(s.id());
      boolean stillQueued =
          store.outbox(s.id()).stream()
              .anyMatch(
                  q ->
                      q.member().equals(d.member())
                          && q.outgoing().carries(d.outgoing().message()));
      if (!stillQueued) {
        return true; // it moved on while we talked; the reply answers a message we no longer send
      }
      if (failure == null) {
        delivered(current, d, ack);
        return true;
      }
      afterFailedDelivery(current, d, failure);
      return false;
    }
  }

  /** A delivered message; a proposal refused in its reply is that member's refusal. */
  private void delivered(StoredCollaboration s, Delivery d, CollaborationAck ack) {
    Changes done = new Changes(false, List.of(), List.of(d), null, null);
    boolean refusedAtOnce =
        d.kind() == Kind.PROPOSAL && CollaborationState.REFUSED.name().equals(ack.getState());
    if (refusedAtOnce && s.state() == CollaborationState.SIGNING) {
      abandon(
          s, s.collaboration(), d.member(), refusalReasons(d.member(), ack.getReasonsList()), null);
      return;
    }
    store.save(s.moveTo(s.state(), clock.millis(), List.of()), done);
  }

  private void afterFailedDelivery(StoredCollaboration s, Delivery d, SluiceException e) {
    long now = clock.millis();
    if (!RetryPolicy.retryable(e)) {
      String reason =
          d.member()
              + " refused the "
              + d.kind().name().toLowerCase(java.util.Locale.ROOT)
              + ": "
              + e.getMessage();
      log.warn("collaboration {}: {}", s.id(), reason);
      if (s.role() == CollaborationRole.PROPOSER && s.state() == CollaborationState.SIGNING) {
        abandon(s, s.collaboration(), d.member(), List.of(reason), null);
        return;
      }
      store.save(
          s.moveTo(s.state(), now, List.of(reason)),
          new Changes(false, List.of(), List.of(d), null, null));
      return;
    }
    int failures = d.outgoing().attempts() + 1;
    long next = now + retry.delayMillis(failures, jitter.nextDouble());
    log.info(
        "collaboration {}: {} unreachable ({} failed deliveries of the {}), next try in {} ms",
        s.id(),
        d.member(),
        failures,
        d.kind(),
        next - now);
    store.deliveryFailed(
        new Delivery(d.collaborationId(), d.member(), d.kind(), d.outgoing().failedAgain(next)));
  }

  /** Ends what passed its expiry on this node's clock; a proposer tells the others. */
  private void expire(long now) {
    for (StoredCollaboration found : store.expiring(now)) {
      try (KeyedLocks.Held held = changes.lock(found.id())) {
        StoredCollaboration s = require(found.id());
        Optional<CollaborationState> expired =
            CollaborationTransitions.next(s.role(), s.state(), Direction.RECEIVED, Kind.EXPIRY);
        if (expired.isEmpty() || s.expiresMs() > now) {
          continue;
        }
        String reason = "expired at " + java.time.Instant.ofEpochMilli(s.expiresMs());
        List<Delivery> send = List.of();
        if (s.role() == CollaborationRole.PROPOSER && s.state() == CollaborationState.SIGNING) {
          CollaborationMessage notice =
              CollaborationMessage.newBuilder()
                  .setCollaborationId(s.id())
                  .setAbandonment(refusal("EXPIRED", List.of(reason)))
                  .build();
          send = toOthers(s.collaboration(), null, Kind.ABANDONMENT, notice, now);
        }
        StoredCollaboration saved =
            store.save(
                s.moveTo(expired.get(), now, List.of(reason)),
                new Changes(true, send, List.of(), null, null));
        listener.expired(saved);
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private List<Delivery> toOthers(
      Collaboration c, String except, Kind kind, CollaborationMessage message, long now) {
    List<Delivery> out = new ArrayList<>();
    for (CollaborationMember m : c.getMembersList()) {
      String p = m.getParticipant();
      if (!p.equals(me()) && !p.equals(except)) {
        out.add(delivery(c.getCollaborationId(), p, kind, message, now));
      }
    }
    return out;
  }

  private static Delivery delivery(
      String id, String member, Kind kind, CollaborationMessage message, long now) {
    return new Delivery(id, member, kind, Outgoing.now(message.toByteArray(), now));
  }

  private Collaboration requireFromMember(StoredCollaboration s, String from) {
    if (s.role() != CollaborationRole.PROPOSER) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, me() + " did not propose collaboration " + s.id());
    }
    Collaboration c = s.collaboration();
    if (!CollaborationRules.isMember(c, from) || from.equals(me())) {
      throw new SluiceException(ErrorCode.NOT_A_MEMBER, from + " is no member of " + s.id());
    }
    return c;
  }

  private static void requireFromProposer(StoredCollaboration s, String from) {
    if (s.role() != CollaborationRole.MEMBER || !s.proposer().equals(from)) {
      throw new SluiceException(
          ErrorCode.NOT_A_MEMBER, "only the proposer of " + s.id() + " may send its outcome");
    }
  }

  private static void requireSameDocument(StoredCollaboration s, byte[] document) {
    if (!Arrays.equals(s.document(), document)) {
      throw new SluiceException(
          ErrorCode.COLLABORATION_CONFLICT,
          "collaboration " + s.id() + " exists with another document");
    }
  }

  private void requireSpace(Collaboration c) {
    if (!c.getSpace().equals(trust.space())) {
      throw new SluiceException(
          ErrorCode.INVALID_COLLABORATION,
          "the collaboration is for data space '" + c.getSpace() + "'");
    }
  }

  private StoredCollaboration require(String id) {
    return store
        .find(id)
        .orElseThrow(
            () -> new SluiceException(ErrorCode.COLLABORATION_NOT_FOUND, "no collaboration " + id));
  }

  private StoredCollaboration requireKnown(String id) {
    return require(id);
  }

  private static List<String> memberIds(Collaboration c) {
    return c == null
        ? List.of()
        : c.getMembersList().stream().map(CollaborationMember::getParticipant).toList();
  }

  private static List<String> refusalReasons(String by, List<String> reasons) {
    List<String> out = new ArrayList<>();
    out.add(by + " refused the collaboration");
    reasons.stream()
        .limit(32)
        .map(r -> r.length() <= 1000 ? r : r.substring(0, 1000))
        .forEach(out::add);
    return out;
  }

  private static CollaborationRefusal refusal(String code, List<String> reasons) {
    return CollaborationRefusal.newBuilder().setCode(code).addAllReasons(reasons).build();
  }

  private static CollaborationAck ack(StoredCollaboration s, List<String> reasons) {
    return CollaborationAck.newBuilder()
        .setCollaborationId(s.id())
        .setState(s.state().name())
        .addAllReasons(reasons)
        .build();
  }

  private static Processed processed(Inbound in, CollaborationAck ack) {
    return new Processed(
        in.from(), CollaborationTransitions.slotOf(in.kind()), in.digest(), ack.toByteArray());
  }

  private static CollaborationState transition(
      CollaborationRole role, CollaborationState from, Direction d, Kind k) {
    return CollaborationTransitions.next(role, from, d, k)
        .orElseThrow(
            () -> new IllegalStateException("bug: " + role + " " + from + " " + d + " " + k));
  }

  private static CollaborationState transitionOrWrongState(
      StoredCollaboration s, Direction d, Kind k) {
    return CollaborationTransitions.next(s.role(), s.state(), d, k)
        .orElseThrow(
            () ->
                new SluiceException(
                    ErrorCode.COLLABORATION_WRONG_STATE,
                    k.name().toLowerCase(java.util.Locale.ROOT) + " received while " + s.state()));
  }

  static Kind kindOf(CollaborationMessage m) {
    return switch (m.getBodyCase()) {
      case PROPOSAL -> Kind.PROPOSAL;
      case COUNTERSIGNATURE -> Kind.COUNTERSIGNATURE;
      case REFUSAL -> Kind.REFUSAL;
      case FINAL -> Kind.FINAL;
      case ABANDONMENT -> Kind.ABANDONMENT;
      case BODY_NOT_SET ->
          throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "a message needs a body");
    };
  }

  static CollaborationMessage parseMessage(byte[] bytes) {
    try {
      return CollaborationMessage.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "a stored message does not parse", e);
    }
  }

  private static CollaborationAck parseAck(byte[] bytes) {
    try {
      return CollaborationAck.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "a stored reply does not parse", e);
    }
  }
}
