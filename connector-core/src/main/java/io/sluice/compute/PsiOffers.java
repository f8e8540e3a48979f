package io.sluice.compute;

import io.sluice.policy.KeyColumns;
import io.sluice.policy.Policy;
import io.sluice.policy.PolicyTerms;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What an offer that permits PSI must state before a node publishes it: the key columns the
 * provider joins on ({@code sluice:keyColumns}), which must exist in the dataset, and the most keys
 * a consumer may submit per use ({@code sluice:inputRows}). Without them the consumer would choose
 * the join, or probe without bound; nodes refuse such agreements anyway ({@link ComputeGuard}), so
 * publishing the offer would only invite negotiations that cannot be used.
 */
public final class PsiOffers {
  private PsiOffers() {}

  /** The offer's problems (empty when it permits no PSI, or binds what PSI needs). */
  public static List<String> problems(Policy offer, Set<String> datasetColumns) {
    PolicyTerms terms = PolicyTerms.of(offer);
    boolean psi =
        terms
            .computationKinds()
            .map(k -> k.stream().anyMatch(c -> c.startsWith("psi")))
            .orElse(true);
    List<String> problems = new ArrayList<>();
    if (!psi) {
      return problems;
    }
    if (terms.keyColumns().isEmpty()) {
      problems.add(
          "it permits PSI but does not bind the key columns: add a sluice:keyColumns constraint"
              + " (e.g. \"national_id:upper,visit_date\") to every permission");
    } else {
      for (String key : terms.keyColumns().get()) {
        for (String name : KeyColumns.parse(key).names()) {
          if (!datasetColumns.isEmpty() && !datasetColumns.contains(name)) {
            problems.add(
                "its key " + key + " names the column " + name + ", which the dataset lacks");
          }
        }
      }
    }
    if (terms.maxInputRows().isEmpty()) {
      problems.add(
          "it permits PSI but does not bound the consumer's input: add a sluice:inputRows lteq N"
              + " constraint to every permission");
    }
    return problems;
  }
}
