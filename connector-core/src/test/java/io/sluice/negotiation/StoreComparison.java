package io.sluice.negotiation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Whether a consumer's and a provider's stores agree on every negotiation between them, once both
 * have settled. They agree when every negotiation either side knows is known to both, final on
 * both, and either in force on both with the same agreement, byte for byte, or in force on neither,
 * with any agreement it produced terminated on both sides. "In force" is FINALIZED with a finalized
 * agreement that was not terminated. The one pair of states that differ and still agree is
 * TERMINATED on one side and FINALIZED with its agreement terminated on the other: the consumer
 * gave up after verifying while the provider had finalized, and told it (docs/negotiation.md).
 *
 * <p>Shipped in connector-core's test-jar: the node's crash tests compare two nodes' stores with
 * it.
 */
public final class StoreComparison {
  private StoreComparison() {}

  /** The outcome: counts, and one line per disagreement (empty when the stores agree). */
  public record Result(
      int negotiations, int inForce, int terminated, int ended, List<String> disagreements) {
    public boolean agree() {
      return disagreements.isEmpty();
    }

    @Override
    public String toString() {
      return negotiations
          + " negotiations: "
          + inForce
          + " with an agreement in force on both sides, "
          + terminated
          + " TERMINATED on both, "
          + ended
          + " FINALIZED with the agreement terminated on at least one; "
          + (disagreements.isEmpty() ? "both stores agree" : disagreements.size() + " disagree");
    }
  }

  /** Compares the negotiations of {@code consumerId} (consumer) with {@code providerId}. */
  public static Result compare(
      NegotiationStore consumer, String consumerId, NegotiationStore provider, String providerId) {
    List<Negotiation> mine =
        consumer.list().stream()
            .filter(n -> n.role() == Role.CONSUMER && n.counterparty().equals(providerId))
            .toList();
    Map<String, Negotiation> theirs =
        provider.list().stream()
            .filter(n -> n.role() == Role.PROVIDER && n.counterparty().equals(consumerId))
            .collect(Collectors.toMap(Negotiation::peerPid, Function.identity()));
    List<String> problems = new ArrayList<>();
    int inForce = 0;
    int terminated = 0;
    int ended = 0;
    for (Negotiation c : mine) {
      Negotiation p = theirs.remove(c.id());
      if (p == null) {
        problems.add(c.id() + ": " + c.state() + " on the consumer, unknown to the provider");
        continue;
      }
      String problem = disagreement(c, consumer, p, provider);
      if (problem != null) {
        problems.add(c.id() + ": " + problem);
      } else if (inForce(c, consumer)) {
        inForce++;
      } else if (c.state() == NegotiationState.TERMINATED
          && p.state() == NegotiationState.TERMINATED) {
        terminated++;
      } else {
        ended++;
      }
    }
    for (Negotiation p : theirs.values()) {
      problems.add(
          p.peerPid()
              + ": "
              + p.state()
              + " on the provider ("
              + p.id()
              + "), unknown to the consumer");
    }
    return new Result(
        mine.size() + theirs.size(), inForce, terminated, ended, List.copyOf(problems));
  }

  private static String disagreement(
      Negotiation c, NegotiationStore consumer, Negotiation p, NegotiationStore provider) {
    if (!c.state().isFinal() || !p.state().isFinal()) {
      return "not final: consumer " + c.state() + ", provider " + p.state();
    }
    boolean mineInForce = inForce(c, consumer);
    boolean theirsInForce = inForce(p, provider);
    if (mineInForce != theirsInForce) {
      return "an agreement in force on the "
          + (mineInForce ? "consumer" : "provider")
          + " only (consumer "
          + describe(c, consumer)
          + ", provider "
          + describe(p, provider)
          + ")";
    }
    if (mineInForce) {
      byte[] a = consumer.agreement(c.agreementId()).orElseThrow().signedAgreement();
      byte[] b = provider.agreement(p.agreementId()).orElseThrow().signedAgreement();
      return c.agreementId().equals(p.agreementId()) && Arrays.equals(a, b)
          ? null
          : "the two sides hold different agreements";
    }
    if (c.state() != p.state() && !(endedAgreement(c, consumer) || endedAgreement(p, provider))) {
      return "consumer " + describe(c, consumer) + ", provider " + describe(p, provider);
    }
    if (liveAgreement(c, consumer) || liveAgreement(p, provider)) {
      return "an agreement that was never in force is not terminated (consumer "
          + describe(c, consumer)
          + ", provider "
          + describe(p, provider)
          + ")";
    }
    return null;
  }

  /** FINALIZED with a finalized agreement that was not terminated. */
  static boolean inForce(Negotiation n, NegotiationStore store) {
    return n.state() == NegotiationState.FINALIZED
        && agreement(n, store).filter(a -> a.finalized() && !a.terminated()).isPresent();
  }

  /** FINALIZED and the agreement it produced was terminated since. */
  private static boolean endedAgreement(Negotiation n, NegotiationStore store) {
    return n.state() == NegotiationState.FINALIZED
        && agreement(n, store).filter(NegotiationStore.StoredAgreement::terminated).isPresent();
  }

  private static boolean liveAgreement(Negotiation n, NegotiationStore store) {
    return agreement(n, store).filter(a -> !a.terminated()).isPresent();
  }

  private static Optional<NegotiationStore.StoredAgreement> agreement(
      Negotiation n, NegotiationStore store) {
    return n.agreementId().isEmpty() ? Optional.empty() : store.agreement(n.agreementId());
  }

  private static String describe(Negotiation n, NegotiationStore store) {
    return n.state()
        + agreement(n, store)
            .map(
                a ->
                    " with agreement "
                        + a.agreementId()
                        + (a.finalized() ? " finalized" : " not finalized")
                        + (a.terminated() ? ", terminated" : ""))
            .orElse("")
        + " "
        + n.reasons();
  }
}
