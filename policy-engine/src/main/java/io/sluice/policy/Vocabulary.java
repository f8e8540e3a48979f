package io.sluice.policy;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The fixed vocabulary: actions and their hierarchy, computation kinds, and regions. A term that is
 * not here is rejected when a policy is parsed.
 */
public final class Vocabulary {
  /** The action for a Sluice joint computation; ODRL's {@code use} includes it. */
  public static final String COMPUTE = "sluice:compute";

  /** The duty to add differential-privacy noise to released results. */
  public static final String ADD_NOISE = "sluice:addNoise";

  /** The computation kinds a policy may name. */
  public static final List<String> COMPUTATION_KINDS =
      List.of("psi", "psi-cardinality", "psi-label", "aggregate", "sql");

  // ODRL 2.2 core and common vocabulary actions; "transfer" and its children are not part of "use".
  private static final List<String> USE_ACTIONS =
      List.of(
          "acceptTracking",
          "aggregate",
          "annotate",
          "anonymize",
          "archive",
          "attribute",
          "compensate",
          "concurrentUse",
          "delete",
          "derive",
          "digitize",
          "display",
          "distribute",
          "ensureExclusivity",
          "execute",
          "extract",
          "grantUse",
          "include",
          "index",
          "inform",
          "install",
          "modify",
          "move",
          "nextPolicy",
          "obtainConsent",
          "play",
          "present",
          "print",
          "read",
          "reproduce",
          "reviewPolicy",
          "stream",
          "synchronize",
          "textToSpeech",
          "transform",
          "translate",
          "uninstall",
          "watermark",
          COMPUTE,
          ADD_NOISE);
  private static final List<String> TRANSFER_ACTIONS = List.of("give", "sell");

  private static final List<String> EU =
      List.of(
          "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
          "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE");

  private static final Map<String, Set<String>> ACTION_INCLUDES = buildActions();
  private static final Map<String, Set<String>> COMPUTATION_FAMILIES =
      Map.of("psi", Set.of("psi", "psi-cardinality", "psi-label"));
  private static final Map<String, Set<String>> REGIONS = buildRegions();

  private Vocabulary() {}

  private static Map<String, Set<String>> buildActions() {
    Map<String, Set<String>> includes = new HashMap<>();
    Set<String> use = new LinkedHashSet<>(USE_ACTIONS);
    use.add("use");
    includes.put("use", Set.copyOf(use));
    Set<String> transfer = new LinkedHashSet<>(TRANSFER_ACTIONS);
    transfer.add("transfer");
    includes.put("transfer", Set.copyOf(transfer));
    for (String action : USE_ACTIONS) {
      includes.put(action, Set.of(action));
    }
    for (String action : TRANSFER_ACTIONS) {
      includes.put(action, Set.of(action));
    }
    return Map.copyOf(includes);
  }

  private static Map<String, Set<String>> buildRegions() {
    Set<String> eu = new LinkedHashSet<>(EU);
    eu.add("EU");
    Set<String> eea = new LinkedHashSet<>(eu);
    eea.addAll(List.of("IS", "LI", "NO", "EEA"));
    return Map.of("EU", Set.copyOf(eu), "EEA", Set.copyOf(eea));
  }

  /** The normalized action name ({@code odrl:use} becomes {@code use}), or empty if unknown. */
  public static Optional<String> action(String written) {
    String name = written != null && written.startsWith("sluice:") ? written : local(written);
    return ACTION_INCLUDES.containsKey(name) ? Optional.of(name) : Optional.empty();
  }

  private static String local(String written) {
    return Terms.odrlLocalName(written);
  }

  /**
   * The actions that a rule on {@code action} covers: the action itself and, for {@code use} and
   * {@code transfer}, every action they include.
   */
  public static Set<String> actionsIncludedIn(String action) {
    Set<String> included = ACTION_INCLUDES.get(action);
    if (included == null) {
      throw new IllegalArgumentException("unknown action " + action);
    }
    return included;
  }

  /** True when a rule on {@code ruleAction} covers a request for {@code requested}. */
  public static boolean includes(String ruleAction, String requested) {
    Set<String> included = ACTION_INCLUDES.get(ruleAction);
    return included != null && included.contains(requested);
  }

  /** {@code isA psi} accepts the whole PSI family; other kinds only themselves. */
  static Set<String> computationKindsUnder(String kind) {
    return COMPUTATION_FAMILIES.getOrDefault(kind, Set.of(kind));
  }

  /** The region codes that are part of {@code region} (including itself). */
  static Set<String> regionsWithin(String region) {
    return REGIONS.getOrDefault(region, Set.of(region));
  }
}
