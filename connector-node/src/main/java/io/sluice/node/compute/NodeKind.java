package io.sluice.node.compute;

import io.sluice.compute.runtime.ComputationKind;

/**
 * A computation kind as this node runs it: the runtime's kind (policy name, frames) with the node's
 * two roles — answering a peer's {@code ComputeService/Open} ({@link Responder}) and running the
 * computation as its initiator ({@link Initiator}). {@link NodeKinds} registers it; nothing outside
 * the kind's own classes and that registration names it.
 */
interface NodeKind extends ComputationKind {
  Responder responder();

  Initiator initiator();
}
