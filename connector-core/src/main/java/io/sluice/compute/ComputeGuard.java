package io.sluice.compute;

import io.sluice.compute.runtime.UseLedger;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.PeerIdentity;
import io.sluice.negotiation.Agreements;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.policy.Policy;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyTerms;
import io.sluice.policy.eval.CompiledPolicy;
import io.sluice.policy.eval.Computation;
import io.sluice.policy.eval.Decision;
import io.sluice.policy.eval.Obligation;
import io.sluice.policy.eval.Request;
import io.sluice.proto.v1.Agreement;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/**
 * What both nodes check, each on its own, before the first batch of a computation moves: the
 * agreement is FINALIZED and not terminated, both signatures verify against certificates the
 * authority issued, that were valid when the agreement was made and are not revoked now (a renewed
 * certificate keeps the agreement; see {@link Agreements#check}), it is valid now, the caller is
 * its consumer, its policy permits this computation (mode, key columns, input rows, output columns,
 * minimum group size, the consumer's claims, the agreed purpose, and no violated duty), a PSI
 * agreement binds its key columns and input size, and every duty is one this node can carry out.
 * The use is counted afterwards, by the computation runtime's {@link UseLedger} (atomically, once
 * per session id, so two concurrent runs cannot both take the last use): nothing is counted unless
 * everything else holds.
 */
public final class ComputeGuard {
  private final NegotiationStore store;
  private final UseLedger ledger;
  private final AuthorityTrust trust;
  private final Clock clock;

  public ComputeGuard(NegotiationStore store, UseLedger ledger, AuthorityTrust trust, Clock clock) {
    this.store = store;
    this.ledger = ledger;
    this.trust = trust;
    this.clock = clock;
  }

  /**
   * What a permitted computation may rely on.
   *
   * @param minResultGroupSize the agreement's minimum group size k; 0 when it sets none
   */
  public record Permit(
      Agreement agreement,
      long minResultGroupSize,
      long maxInputRows,
      long useNumber,
      List<Obligation> duties) {

    /** The permit's duty with this action, if any (e.g. {@code delete}, {@code inform}). */
    public java.util.Optional<Obligation> duty(String action) {
      return duties.stream().filter(d -> d.action().equals(action)).findFirst();
    }
  }

  /**
   * The computation one side is about to run.
   *
   * @param inputRows for PSI, the distinct keys the consumer submits
   * @param keyColumns for PSI, the provider's key columns (canonical {@code sluice:keyColumns}
   *     text); null for other kinds
   * @param sessionId the session this computation runs as: a retry of a session that holds its
   *     reservation is judged without counting its own use twice
   */
  public record Intent(
      String agreementId,
      String computation,
      long inputRows,
      Set<String> outputColumns,
      String keyColumns,
      PeerIdentity consumer,
      String sessionId) {}

  /**
   * A computation that passed every check but has not spent its use yet: the caller prepares what
   * it can still fail on locally, then the runtime reserves the use ({@link #maxUses}) and the
   * guard makes the {@link #permit}.
   */
  public static final class Judged {
    private final NegotiationStore.StoredAgreement stored;
    private final Agreement agreement;
    private final PolicyTerms terms;
    private final long minResultGroupSize;
    private final List<Obligation> duties;

    private Judged(
        NegotiationStore.StoredAgreement stored,
        Agreement agreement,
        PolicyTerms terms,
        long minResultGroupSize,
        List<Obligation> duties) {
      this.stored = stored;
      this.agreement = agreement;
      this.terms = terms;
      this.minResultGroupSize = minResultGroupSize;
      this.duties = duties;
    }

    /** The agreement's use count; negative when it sets none. */
    public long maxUses() {
      return terms.maxUseCount().orElse(-1);
    }
  }

  /**
   * The permit of a judged computation whose use the runtime reserved (see {@link
   * io.sluice.compute.runtime.ComputationRuntime#open}): the guard judges, the runtime counts.
   */
  public Permit permit(Judged judged, UseLedger.Reservation reservation) {
    if (!reservation.termsId().equals(judged.stored.agreementId())) {
      throw new IllegalArgumentException("a reservation of another agreement");
    }
    return new Permit(
        judged.agreement,
        judged.minResultGroupSize,
        judged.terms.maxInputRows().orElse(Long.MAX_VALUE),
        reservation.useNumber(),
        judged.duties);
  }

  /**
   * Checks everything except the use count; a refusal is a typed error ({@code
   * AGREEMENT_NOT_USABLE}, {@code POLICY_DENIED}, {@code DUTY_NOT_POSSIBLE}) whose message says
   * why.
   *
   * @param duties what this node can do about the agreement's duties, and their state
   */
  public Judged judge(Intent intent, Duties duties) {
    // Who asks comes first, and an agreement with someone else reads as no agreement at all: a
    // caller learns neither the agreement's state nor whether its id exists.
    NegotiationStore.StoredAgreement stored =
        store
            .agreement(intent.agreementId())
            .filter(a -> a.consumerId().equals(intent.consumer().participant()))
            .orElseThrow(
                () ->
                    refuse(
                        "no agreement "
                            + intent.agreementId()
                            + " with "
                            + intent.consumer().participant()));
    if (!stored.finalized()) {
      throw refuse("agreement " + stored.agreementId() + " is not FINALIZED");
    }
    if (stored.terminated()) {
      throw refuse(
          "agreement " + stored.agreementId() + " was terminated: " + stored.terminatedReason());
    }
    var signed = Agreements.parseSigned(stored.signedAgreement());
    Agreements.Check check = Agreements.check(signed, trust);
    if (!check.fullyValid()) {
      throw refuse(
          "agreement "
              + stored.agreementId()
              + " does not verify: "
              + String.join("; ", check.problems()));
    }
    Agreement agreement = Agreements.parse(signed);
    Instant now = clock.instant();
    if (!Agreements.validAt(agreement, now)) {
      throw refuse(
          "agreement "
              + stored.agreementId()
              + " is valid from "
              + Instant.ofEpochMilli(agreement.getValidFromMs())
              + " until "
              + Instant.ofEpochMilli(agreement.getValidUntilMs()));
    }
    Policy policy = PolicyCodec.parse(agreement.getPolicy().toString(StandardCharsets.UTF_8));
    PolicyTerms terms = PolicyTerms.of(policy);
    if (intent.computation().startsWith("psi")) {
      requirePsiBindings(stored.agreementId(), terms);
    }
    // The computation applies the agreement's minimum group size (k, 0 when it sets none) and
    // declares that k.
    long k = terms.minResultGroupSize().orElse(0);
    Computation computation =
        Computation.of(intent.computation())
            .withInputRows(intent.inputRows())
            .withOutputColumns(intent.outputColumns())
            .withMinGroupSize(k)
            .withParties(2);
    if (intent.keyColumns() != null) {
      computation = computation.withKeyColumns(intent.keyColumns());
    }
    Request.Builder request =
        Request.builder()
            .claims(intent.consumer().claims())
            .clock(Clock.fixed(now, ZoneOffset.UTC))
            .agreementStart(Instant.ofEpochMilli(agreement.getValidFromMs()))
            .useCount(usedBefore(stored, intent.sessionId()))
            .computation(computation);
    if (!agreement.getPurpose().isEmpty()) {
      request.purpose(agreement.getPurpose());
    }
    for (Duties.Violation v : duties.violated(stored.agreementId())) {
      request.violatedDuty(v.dutyPointer(), v.reason());
    }
    Decision decision = CompiledPolicy.compile(policy).evaluate(request.build());
    if (!decision.permitted()) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED,
          "the agreement does not permit this computation: "
              + String.join("; ", decision.failures().stream().map(Object::toString).toList()));
    }
    for (Obligation duty : decision.duties()) {
      java.util.Optional<String> why = duties.cannotCarryOut(duty);
      if (why.isPresent()) {
        throw new SluiceException(
            ErrorCode.DUTY_NOT_POSSIBLE,
            "the agreement's duty " + duty.describe() + " cannot be carried out: " + why.get());
      }
    }
    return new Judged(stored, agreement, terms, k, decision.duties());
  }

  /**
   * The uses counted before this session: a session that holds its reservation already (a retry) is
   * not counted against itself.
   */
  private long usedBefore(NegotiationStore.StoredAgreement stored, String sessionId) {
    boolean holds =
        ledger
            .state(stored.agreementId(), sessionId)
            .filter(s -> s == UseLedger.State.RESERVED)
            .isPresent();
    return holds ? Math.max(0, stored.useCount() - 1) : stored.useCount();
  }

  /**
   * A PSI agreement must name what shapes its disclosure: the key columns (else the consumer would
   * choose which of the provider's columns to join on) and the input size (else nothing bounds how
   * many identifiers one use may probe).
   */
  private static void requirePsiBindings(String agreementId, PolicyTerms terms) {
    if (terms.keyColumns().isEmpty()) {
      throw refuse(
          "agreement "
              + agreementId
              + " does not bind its key columns (sluice:keyColumns); PSI needs them agreed");
    }
    if (terms.maxInputRows().isEmpty()) {
      throw refuse(
          "agreement "
              + agreementId
              + " does not bound the consumer's input (sluice:inputRows); PSI needs it agreed");
    }
  }

  private static SluiceException refuse(String why) {
    return new SluiceException(ErrorCode.AGREEMENT_NOT_USABLE, why);
  }
}
