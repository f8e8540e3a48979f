package io.sluice.policy.eval;

import io.sluice.policy.Vocabulary;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One use a caller asks for: the action, who asks (their certificate claims), why, when, how often
 * so far, from where, and the computation it would run. Immutable; build it with {@link
 * #builder()}.
 *
 * <p>Claims map a claim name ({@code role}, {@code org}, {@code industry}, {@code participant} or
 * any certificate attribute) to its values; a claim the caller does not have is an empty set.
 * {@code elapsedTime} is measured from {@link Builder#agreementStart}; a request may give the
 * elapsed time directly instead.
 *
 * <p>A request also says which duties of the policy the caller has violated ({@link
 * Builder#violatedDuty}): a permission whose duty is violated does not grant.
 */
public final class Request {
  private static final String[] NONE = new String[0];

  final String action;
  final String target;
  final Map<String, Set<String>> claims;
  final Map<String, String[]> claimArrays;
  final String purpose;
  final String region;
  final Clock clock;
  final long useCount;
  final Instant agreementStart;
  final Duration elapsed;
  final Computation computation;
  final String[] outputColumns;
  final boolean unknownFactsMayHold;
  final Map<String, String> violatedDuties;

  private Request(Builder b) {
    this.action = b.action;
    this.target = b.target;
    Map<String, Set<String>> c = new HashMap<>();
    Map<String, String[]> a = new HashMap<>();
    for (Map.Entry<String, Set<String>> e : b.claims.entrySet()) {
      c.put(e.getKey(), Set.copyOf(e.getValue()));
      a.put(e.getKey(), new TreeSet<>(e.getValue()).toArray(NONE));
    }
    this.claims = Map.copyOf(c);
    this.claimArrays = Map.copyOf(a);
    this.purpose = b.purpose;
    this.region = b.region;
    this.clock = b.clock;
    this.useCount = b.useCount;
    this.agreementStart = b.agreementStart;
    this.elapsed = b.elapsed;
    this.computation = b.computation;
    this.outputColumns =
        computation == null ? NONE : new TreeSet<>(computation.outputColumns()).toArray(NONE);
    this.unknownFactsMayHold = b.unknownFactsMayHold;
    this.violatedDuties = Map.copyOf(b.violatedDuties);
  }

  public static Builder builder() {
    return new Builder();
  }

  public String action() {
    return action;
  }

  public Optional<String> target() {
    return Optional.ofNullable(target);
  }

  /** The caller's values of {@code claim}; empty when the caller does not have it. */
  public Set<String> claim(String claim) {
    return claims.getOrDefault(claim, Set.of());
  }

  public Map<String, Set<String>> claims() {
    return claims;
  }

  public Optional<String> purpose() {
    return Optional.ofNullable(purpose);
  }

  public Optional<String> region() {
    return Optional.ofNullable(region);
  }

  public Clock clock() {
    return clock;
  }

  /** Uses so far, not counting this one. */
  public long useCount() {
    return useCount;
  }

  public Optional<Instant> agreementStart() {
    return Optional.ofNullable(agreementStart);
  }

  public Optional<Duration> elapsed() {
    return Optional.ofNullable(elapsed);
  }

  public Optional<Computation> computation() {
    return Optional.ofNullable(computation);
  }

  /** The violated duties: the duty's JSON pointer in the policy to the reason given. */
  public Map<String, String> violatedDuties() {
    return violatedDuties;
  }

  /** Every field, for messages and test failures (not on the evaluation path). */
  @Override
  public String toString() {
    return "Request{action="
        + action
        + ", target="
        + target
        + ", claims="
        + new java.util.TreeMap<>(claims)
        + ", purpose="
        + purpose
        + ", region="
        + region
        + ", time="
        + clock.instant()
        + ", useCount="
        + useCount
        + ", agreementStart="
        + agreementStart
        + ", elapsed="
        + elapsed
        + ", computation="
        + computation
        + (unknownFactsMayHold ? ", unknownFactsMayHold" : "")
        + (violatedDuties.isEmpty() ? "" : ", violatedDuties=" + violatedDuties)
        + "}";
  }

  String[] claimArray(String claim) {
    String[] values = claimArrays.get(claim);
    return values == null ? NONE : values;
  }

  Set<String> claimSet(String claim) {
    Set<String> values = claims.get(claim);
    return values == null ? Set.of() : values;
  }

  /** Builds a {@link Request}. */
  public static final class Builder {
    private String action = "use";
    private String target;
    private final Map<String, Set<String>> claims = new HashMap<>();
    private String purpose;
    private String region;
    private Clock clock = Clock.systemUTC();
    private long useCount;
    private Instant agreementStart;
    private Duration elapsed;
    private Computation computation;
    private boolean unknownFactsMayHold;
    private final Map<String, String> violatedDuties = new HashMap<>();

    private Builder() {}

    /** The action ({@code use} when not set); {@code odrl:} prefixes are accepted. */
    public Builder action(String action) {
      this.action =
          Vocabulary.action(action)
              .orElseThrow(() -> new IllegalArgumentException("unknown action '" + action + "'"));
      return this;
    }

    public Builder target(String target) {
      this.target = target;
      return this;
    }

    /** Sets a claim's values (replacing earlier ones). */
    public Builder claim(String name, Set<String> values) {
      claims.put(Objects.requireNonNull(name, "name"), Set.copyOf(values));
      return this;
    }

    public Builder claim(String name, String... values) {
      return claim(name, Set.of(values));
    }

    public Builder claims(Map<String, Set<String>> all) {
      all.forEach(this::claim);
      return this;
    }

    public Builder purpose(String purpose) {
      this.purpose = purpose;
      return this;
    }

    /** The region the request comes from (ISO 3166-1 alpha-2 code). */
    public Builder region(String region) {
      this.region = region;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Uses so far, not counting this one ({@code count} is this number plus one). */
    public Builder useCount(long uses) {
      if (uses < 0) {
        throw new IllegalArgumentException("use count must not be negative");
      }
      this.useCount = uses;
      return this;
    }

    public Builder agreementStart(Instant start) {
      this.agreementStart = start;
      this.elapsed = null;
      return this;
    }

    /** The time since the agreement started, when the start itself is not at hand. */
    public Builder elapsed(Duration elapsed) {
      if (elapsed != null && elapsed.isNegative()) {
        throw new IllegalArgumentException("elapsed time must not be negative");
      }
      this.elapsed = elapsed;
      this.agreementStart = null;
      return this;
    }

    public Builder computation(Computation computation) {
      this.computation = computation;
      return this;
    }

    /**
     * Evaluates what could be permitted once the facts this request lacks are known: a permission
     * constraint about a missing value counts as holding, and a prohibition does not apply on
     * account of a missing value. Negotiation and the catalog use it to check a caller's claims,
     * purpose and time before any computation is described; computations are always evaluated
     * without it.
     */
    public Builder unknownFactsMayHold() {
      this.unknownFactsMayHold = true;
      return this;
    }

    /**
     * Reports that the caller has violated a duty of the policy, so the permission it belongs to is
     * no longer in force. The duty is named by its JSON pointer in the policy document, as {@link
     * Obligation#pointer()} reports it for a permit of the same policy (e.g. {@code
     * /permission/0/duty/0}); {@code reason} says what happened and is shown in the denial. May be
     * called for several duties; a second call for the same duty replaces its reason. Only a
     * permission's own duties are its preconditions: a pointer that names no such duty (an
     * obligation, a consequence, nothing at all) does not change the decision.
     */
    public Builder violatedDuty(String dutyPointer, String reason) {
      Objects.requireNonNull(dutyPointer, "dutyPointer");
      Objects.requireNonNull(reason, "reason");
      if (reason.isBlank()) {
        throw new IllegalArgumentException("say why the duty " + dutyPointer + " is violated");
      }
      violatedDuties.put(dutyPointer, reason);
      return this;
    }

    public Request build() {
      return new Request(this);
    }
  }
}
