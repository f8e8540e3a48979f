package io.sluice.compute;

import io.sluice.identity.ParticipantId;
import io.sluice.policy.eval.Obligation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The duties a PSI computation carries out, on each side:
 *
 * <ul>
 *   <li>{@code delete} (with {@code sluice:retention}): the consumer's node records the deadline
 *       with the result and deletes it when it passes ({@link ResultKeeping}); it refuses the
 *       computation when it could not (no result file, a place it cannot manage). The provider
 *       relies on that.
 *   <li>{@code inform}: the consumer's node sends the provider a notice of each use before it
 *       writes the result, and the provider records it; the informed party must be the provider (or
 *       unnamed). A provider that does not get the notice records the duty as violated.
 * </ul>
 *
 * Any other duty is refused before the computation: a promise nobody keeps would be silence.
 */
public final class PsiDuties implements Duties {
  /** What the consumer's node does with a result under a {@code delete} duty. */
  public interface ResultKeeping {
    /** Why the result of the computation about to run could not be kept and deleted, if so. */
    Optional<String> cannotKeep(Obligation deleteDuty);

    /** Delete duties of the agreement that were violated (a result kept past its deadline). */
    List<Violation> violated(String agreementId);
  }

  private final String provider;
  private final DutyLedger ledger;
  private final ResultKeeping results;

  private PsiDuties(String provider, DutyLedger ledger, ResultKeeping results) {
    this.provider = provider;
    this.ledger = ledger;
    this.results = results;
  }

  /** The provider's view: it records notices (and their absence) in {@code ledger}. */
  public static PsiDuties forProvider(String self, DutyLedger ledger) {
    return new PsiDuties(self, ledger, null);
  }

  /** The consumer's view: results are kept and deleted by {@code results}. */
  public static PsiDuties forConsumer(String provider, DutyLedger ledger, ResultKeeping results) {
    return new PsiDuties(provider, ledger, results);
  }

  @Override
  public Optional<String> cannotCarryOut(Obligation duty) {
    return switch (duty.action()) {
      case "delete" -> results == null ? Optional.empty() : results.cannotKeep(duty);
      case "inform" -> informedParty(duty);
      default ->
          Optional.of(
              "Sluice carries out delete and inform duties in a PSI computation, not "
                  + duty.action());
    };
  }

  private Optional<String> informedParty(Obligation duty) {
    String party = duty.parties().get("informedParty");
    if (party == null) {
      return Optional.empty();
    }
    try {
      if (ParticipantId.parseUri(party).participant().equals(provider)) {
        return Optional.empty();
      }
    } catch (RuntimeException e) {
      // not a participant URI: fall through
    }
    return Optional.of(
        "the notice goes to the provider " + provider + ", and the duty names " + party);
  }

  @Override
  public List<Violation> violated(String agreementId) {
    List<Violation> all = new ArrayList<>(ledger.violations(agreementId));
    if (results != null) {
      all.addAll(results.violated(agreementId));
    }
    return all;
  }
}
