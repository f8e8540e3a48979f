package io.sluice.compute;

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
 * What both nodes check before the first batch of a computation moves: the agreement is FINALIZED
 * and not terminated, both signatures verify against certificates the authority issued and has not
 * revoked, it is valid now, it is for this dataset, its policy permits this computation (mode,
 * input rows, output columns, the consumer's claims and the agreed purpose), and a use is left —
 * counted atomically in the store, so two concurrent runs cannot both take the last use.
 */
public final class ComputeGuard {
  private final NegotiationStore store;
  private final AuthorityTrust trust;
  private final Clock clock;

  public ComputeGuard(NegotiationStore store, AuthorityTrust trust, Clock clock) {
    this.store = store;
    this.trust = trust;
    this.clock = clock;
  }

  /** What a permitted computation may rely on. */
  public record Permit(
      Agreement agreement,
      long minResultGroupSize,
      long maxInputRows,
      long useNumber,
      List<Obligation> duties) {}

  /** The computation one side is about to run. */
  public record Intent(
      String agreementId,
      String computation,
      long inputRows,
      Set<String> outputColumns,
      PeerIdentity consumer) {}

  /**
   * Checks everything and counts one use; a refusal is a typed error ({@code AGREEMENT_NOT_USABLE},
   * {@code POLICY_DENIED}, {@code USE_COUNT_EXHAUSTED}) whose message says why.
   */
  public Permit admit(Intent intent) {
    NegotiationStore.StoredAgreement stored =
        store
            .agreement(intent.agreementId())
            .orElseThrow(() -> refuse("no agreement " + intent.agreementId()));
    if (!stored.finalized()) {
      throw refuse("agreement " + stored.agreementId() + " is not FINALIZED");
    }
    if (stored.terminated()) {
      throw refuse(
          "agreement " + stored.agreementId() + " was terminated: " + stored.terminatedReason());
    }
    if (!stored.consumerId().equals(intent.consumer().participant())) {
      throw refuse(
          "agreement "
              + stored.agreementId()
              + " was not made with "
              + intent.consumer().participant());
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
    // The computation applies the agreement's minimum group size (k); it declares that k.
    long k = Math.max(1, terms.minResultGroupSize().orElse(1));
    Request.Builder request =
        Request.builder()
            .claims(intent.consumer().claims())
            .clock(Clock.fixed(now, ZoneOffset.UTC))
            .agreementStart(Instant.ofEpochMilli(agreement.getValidFromMs()))
            .useCount(stored.useCount())
            .computation(
                Computation.of(intent.computation())
                    .withInputRows(intent.inputRows())
                    .withOutputColumns(intent.outputColumns())
                    .withMinGroupSize(k)
                    .withParties(2));
    if (!agreement.getPurpose().isEmpty()) {
      request.purpose(agreement.getPurpose());
    }
    Decision decision = CompiledPolicy.compile(policy).evaluate(request.build());
    if (!decision.permitted()) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED,
          "the agreement does not permit this computation: "
              + String.join("; ", decision.failures().stream().map(Object::toString).toList()));
    }
    long maxUses = terms.maxUseCount().orElse(-1);
    long use = store.countUse(stored.agreementId(), maxUses);
    if (use < 0) {
      throw new SluiceException(
          ErrorCode.USE_COUNT_EXHAUSTED,
          "agreement " + stored.agreementId() + " has used all of its " + maxUses + " uses");
    }
    return new Permit(
        agreement, k, terms.maxInputRows().orElse(Long.MAX_VALUE), use, decision.duties());
  }

  private static SluiceException refuse(String why) {
    return new SluiceException(ErrorCode.AGREEMENT_NOT_USABLE, why);
  }
}
