package io.sluice.node.compute;

import io.sluice.audit.AuditEvent;
import io.sluice.compute.runtime.PeerChannel;
import io.sluice.compute.runtime.RuntimeSession;
import io.sluice.compute.runtime.SessionKey;
import io.sluice.identity.PeerIdentity;
import io.sluice.proto.v1.ComputationAccept;
import io.sluice.proto.v1.ComputationStart;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A kind's side of a computation another node opened: the data owner's or host's node, which
 * decides on its own, from its own store, whether the computation may run. {@link ComputeResponder}
 * runs the common part (the stream, the session pool, the audit entries, the reservation, the
 * notice of use, the audit heads); the kind brings its checks and its protocol.
 */
interface Responder {
  /**
   * The session the start names, after checking the start's own fields (well formed, in bounds):
   * nothing is judged yet.
   */
  SessionKey key(ComputationStart start);

  /** What the start asks for, in the COMPUTATION_REQUESTED entry (never a raw identifier). */
  void describe(ComputationStart start, AuditEvent.Builder requested);

  /**
   * Everything this node decides before the use is reserved: the agreement with this caller, the
   * guard's verdict, the dataset, the session's parameters and anything expensive and local.
   */
  Admission admit(ComputationStart start, PeerIdentity caller);

  /** An admitted computation, ready for its use to be reserved. */
  interface Admission {
    /** The terms' use count; negative for none. */
    long maxUses();

    /**
     * With the use reserved: the kind's accept message. A kind with an inform duty records the
     * duty's pending violation here (cleared by the notice of this use).
     */
    ComputationAccept accept(RuntimeSession session);

    /** The duty-ledger entry standing until the notice of this use arrives, if any. */
    Optional<String> pendingNotice();

    /**
     * Runs the protocol over {@code channel} (which spends the use at its first frame); returns
     * what this side records at the release.
     *
     * @param stop the session's stop, where the protocol party registers its cancel
     */
    Outcome run(RuntimeSession session, PeerChannel channel, SessionStop stop);
  }

  /**
   * The end of the protocol as this side saw it.
   *
   * @param released whether the result was released to the initiator (else withheld)
   * @param details adds the RESULT_RELEASED or RESULT_WITHHELD entry's details
   */
  record Outcome(boolean released, Consumer<AuditEvent.Builder> details) {}
}
