package io.sluice.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An ODRL 2.2 policy: immutable, and always valid. It is made only by {@link PolicyCodec#parse} or
 * {@link #builder()}, both of which check every rule and report every problem at once.
 *
 * <p>The model keeps what the author wrote (terms as spelled, policy-level target and parties,
 * literal forms), so that {@link PolicyCodec#toJson} gives back the same document. Its meaning is
 * read through {@link #effective()}, and {@link PolicyCodec#canonicalBytes} gives the one byte
 * string shared by all documents with the same meaning.
 */
public final class Policy {
  private final String typeTerm;
  private final String contextJson;
  private final String uid;
  private final List<String> profiles;
  private final List<String> inheritFrom;
  private final String conflictTerm;
  private final Asset target;
  private final Party assigner;
  private final Party assignee;
  private final List<Rule> permissions;
  private final List<Rule> prohibitions;
  private final List<Rule> obligations;
  private final Map<String, String> annotations;
  private final Forms forms;
  private volatile EffectivePolicy effective;

  /** Unchecked; callers validate (see {@link PolicyValidator}). */
  Policy(Builder b, Forms forms) {
    this.typeTerm = Objects.requireNonNull(b.typeTerm, "@type");
    this.contextJson = b.contextJson;
    this.uid = b.uid;
    this.profiles = List.copyOf(b.profiles);
    this.inheritFrom = List.copyOf(b.inheritFrom);
    this.conflictTerm = b.conflictTerm;
    this.target = b.target;
    this.assigner = b.assigner;
    this.assignee = b.assignee;
    this.permissions = List.copyOf(b.permissions);
    this.prohibitions = List.copyOf(b.prohibitions);
    this.obligations = List.copyOf(b.obligations);
    this.annotations = JsonText.orderedCopy(b.annotations);
    this.forms = forms;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from this policy (its written forms are dropped). */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.typeTerm = typeTerm;
    b.contextJson = contextJson;
    b.uid = uid;
    b.profiles.addAll(profiles);
    b.inheritFrom.addAll(inheritFrom);
    b.conflictTerm = conflictTerm;
    b.target = target;
    b.assigner = assigner;
    b.assignee = assignee;
    b.permissions.addAll(permissions);
    b.prohibitions.addAll(prohibitions);
    b.obligations.addAll(obligations);
    b.annotations.putAll(annotations);
    return b;
  }

  /** The {@code @type} as written, e.g. {@code Offer}. */
  public String typeTerm() {
    return typeTerm;
  }

  public PolicyType type() {
    return PolicyType.resolve(typeTerm).orElseThrow();
  }

  /** The {@code @context} as compact JSON text, if the document had one. */
  public Optional<String> contextJson() {
    return Optional.ofNullable(contextJson);
  }

  public Optional<String> uid() {
    return Optional.ofNullable(uid);
  }

  public List<String> profiles() {
    return profiles;
  }

  public List<String> inheritFrom() {
    return inheritFrom;
  }

  public Optional<String> conflictTerm() {
    return Optional.ofNullable(conflictTerm);
  }

  /** The conflict strategy; {@link ConflictStrategy#PROHIBIT} when the policy does not say. */
  public ConflictStrategy conflict() {
    return conflictTerm == null
        ? ConflictStrategy.PROHIBIT
        : ConflictStrategy.resolve(conflictTerm).orElseThrow();
  }

  /** The policy-level target (applies to every rule that has none). */
  public Optional<Asset> target() {
    return Optional.ofNullable(target);
  }

  public Optional<Party> assigner() {
    return Optional.ofNullable(assigner);
  }

  public Optional<Party> assignee() {
    return Optional.ofNullable(assignee);
  }

  public List<Rule> permissions() {
    return permissions;
  }

  public List<Rule> prohibitions() {
    return prohibitions;
  }

  public List<Rule> obligations() {
    return obligations;
  }

  /** Other prefixed properties (e.g. {@code dct:title}) as compact JSON text. */
  public Map<String, String> annotations() {
    return annotations;
  }

  Forms forms() {
    return forms;
  }

  /** The policy's meaning: rules with inherited target and parties, typed conditions, pointers. */
  public EffectivePolicy effective() {
    EffectivePolicy e = effective;
    if (e == null) {
      e = EffectivePolicy.of(this);
      effective = e;
    }
    return e;
  }

  /** A copy with another uid (e.g. the agreement id a negotiation assigns). */
  public Policy withUid(String newUid) {
    return toBuilder().uid(newUid).build();
  }

  /** Equal when written the same way (see {@link PolicyCodec#canonicalBytes} for same meaning). */
  @Override
  public boolean equals(Object o) {
    return o instanceof Policy p
        && typeTerm.equals(p.typeTerm)
        && Objects.equals(contextJson, p.contextJson)
        && Objects.equals(uid, p.uid)
        && profiles.equals(p.profiles)
        && inheritFrom.equals(p.inheritFrom)
        && Objects.equals(conflictTerm, p.conflictTerm)
        && Objects.equals(target, p.target)
        && Objects.equals(assigner, p.assigner)
        && Objects.equals(assignee, p.assignee)
        && permissions.equals(p.permissions)
        && prohibitions.equals(p.prohibitions)
        && obligations.equals(p.obligations)
        && annotations.equals(p.annotations)
        && forms.equals(p.forms);
  }

  @Override
  public int hashCode() {
    return Objects.hash(typeTerm, uid, permissions, prohibitions, obligations);
  }

  @Override
  public String toString() {
    return PolicyCodec.toJson(this);
  }

  /** Builds a policy and checks it: {@link #build()} throws with every problem found. */
  public static final class Builder {
    private String typeTerm = PolicyType.SET.term();
    private String contextJson;
    private String uid;
    private final List<String> profiles = new ArrayList<>();
    private final List<String> inheritFrom = new ArrayList<>();
    private String conflictTerm;
    private Asset target;
    private Party assigner;
    private Party assignee;
    private final List<Rule> permissions = new ArrayList<>();
    private final List<Rule> prohibitions = new ArrayList<>();
    private final List<Rule> obligations = new ArrayList<>();
    private final Map<String, String> annotations = new java.util.LinkedHashMap<>();

    private Builder() {}

    public Builder type(PolicyType type) {
      this.typeTerm = type.term();
      return this;
    }

    Builder typeTerm(String term) {
      this.typeTerm = term;
      return this;
    }

    /** The {@code @context}, as JSON text; null for none. */
    public Builder contextJson(String json) {
      this.contextJson = json == null ? null : JsonText.write(JsonText.parseStored(json));
      return this;
    }

    public Builder uid(String uid) {
      this.uid = uid;
      return this;
    }

    public Builder profile(String profile) {
      profiles.add(profile);
      return this;
    }

    public Builder inheritFrom(String policyUid) {
      inheritFrom.add(policyUid);
      return this;
    }

    public Builder conflict(ConflictStrategy strategy) {
      this.conflictTerm = strategy == null ? null : strategy.term();
      return this;
    }

    Builder conflictTerm(String term) {
      this.conflictTerm = term;
      return this;
    }

    public Builder target(Asset target) {
      this.target = target;
      return this;
    }

    public Builder target(String assetUid) {
      return target(assetUid == null ? null : Asset.of(assetUid));
    }

    public Builder assigner(Party assigner) {
      this.assigner = assigner;
      return this;
    }

    public Builder assigner(String participant) {
      return assigner(participant == null ? null : Party.of(participant));
    }

    public Builder assignee(Party assignee) {
      this.assignee = assignee;
      return this;
    }

    public Builder assignee(String participant) {
      return assignee(participant == null ? null : Party.of(participant));
    }

    public Builder permission(Rule rule) {
      permissions.add(rule);
      return this;
    }

    public Builder prohibition(Rule rule) {
      prohibitions.add(rule);
      return this;
    }

    public Builder obligation(Rule rule) {
      obligations.add(rule);
      return this;
    }

    public Builder permissions(List<Rule> rules) {
      permissions.clear();
      permissions.addAll(rules);
      return this;
    }

    public Builder prohibitions(List<Rule> rules) {
      prohibitions.clear();
      prohibitions.addAll(rules);
      return this;
    }

    public Builder obligations(List<Rule> rules) {
      obligations.clear();
      obligations.addAll(rules);
      return this;
    }

    /** Adds a prefixed property such as {@code dct:title}, its value as JSON text. */
    public Builder annotation(String key, String json) {
      annotations.put(key, JsonText.write(JsonText.parseStored(json)));
      return this;
    }

    /**
     * Checks every rule and returns the policy.
     *
     * @throws PolicyValidationException with every problem, each with a JSON pointer into the
     *     document {@link PolicyCodec#toJson} would write
     */
    public Policy build() {
      Policy policy = new Policy(this, Forms.NONE);
      List<PolicyProblem> problems = PolicyValidator.validate(policy);
      if (!problems.isEmpty()) {
        throw new PolicyValidationException(problems);
      }
      return policy;
    }

    Policy buildUnchecked(Forms forms) {
      return new Policy(this, forms);
    }
  }
}
