package io.sluice.compute.runtime;

/**
 * A computation kind, plugged into the runtime under the policy name agreements use for it ({@code
 * psi}, {@code psi-cardinality}, {@code psi-label}, next {@code aggregate}, {@code sql}). It brings
 * its own frames and its own admission rules and protocol; the node's parts (the stream's start
 * message, the initiator's request) are the node's extension of this interface. Registering a kind
 * in {@link ComputationKinds} is the only place that names it outside its own package.
 */
public interface ComputationKind {
  /** The policy name: what {@code sluice:computation} and the start message call this kind. */
  String policyName();

  /** The kind's frames. */
  FrameVocabulary frames();
}
