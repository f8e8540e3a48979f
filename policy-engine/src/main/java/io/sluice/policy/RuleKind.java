package io.sluice.policy;

/** What a rule is. Obligations, duties, consequences and remedies are all duties. */
public enum RuleKind {
  PERMISSION,
  PROHIBITION,
  DUTY
}
