package io.sluice.policy;

import java.util.List;

/**
 * What a policy means, ready for evaluation and comparison.
 *
 * @param type Set, Offer or Agreement
 * @param conflict what wins when a permission and a prohibition both apply
 * @param uid the policy's uid, or null
 * @param permissions the permissions
 * @param prohibitions the prohibitions
 * @param obligations the policy-level duties (they come with every permit)
 */
public record EffectivePolicy(
    PolicyType type,
    ConflictStrategy conflict,
    String uid,
    List<EffectiveRule> permissions,
    List<EffectiveRule> prohibitions,
    List<EffectiveRule> obligations) {

  public EffectivePolicy {
    permissions = List.copyOf(permissions);
    prohibitions = List.copyOf(prohibitions);
    obligations = List.copyOf(obligations);
  }

  static EffectivePolicy of(Policy policy) {
    return PolicyValidator.effective(policy);
  }
}
