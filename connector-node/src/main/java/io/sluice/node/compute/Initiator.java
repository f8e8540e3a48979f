package io.sluice.node.compute;

import io.sluice.audit.AuditEvent;
import io.sluice.compute.runtime.PeerChannel;
import io.sluice.compute.runtime.RuntimeSession;
import io.sluice.proto.v1.ComputationAccept;
import io.sluice.proto.v1.ComputationStart;
import io.sluice.proto.v1.RunRequest;
import io.sluice.proto.v1.RunSummary;
import io.sluice.proto.v1.RunUpdate;
import java.util.function.Consumer;

/**
 * A kind's side of a computation this node runs as its initiator ({@code
 * ComputeControlService/Run}). {@link ComputeInitiator} runs the common part (the session, the
 * stream to the peer, the audit entries, the heads, the summary); the kind checks everything local
 * first, then runs its protocol and releases through the session.
 */
interface Initiator {
  /**
   * Every local check, before a use is reserved or a byte is sent: the agreement, the input, its
   * key columns, the output path and format.
   */
  Plan plan(RunRequest request);

  /** A run that passed its local checks. */
  interface Plan {
    /** The agreement or collaboration this run uses. */
    String termsId();

    /** The node the stream goes to. */
    String peer();

    /** What this run asks for, in the COMPUTATION_REQUESTED entry. */
    void describe(AuditEvent.Builder requested);

    /**
     * Judges the run against our own terms (the guard); returns the terms' use count (negative for
     * none).
     */
    long judge(String sessionId);

    /** With the use reserved: the start message to open the stream with. */
    ComputationStart start(RuntimeSession session);

    /** Checks the peer's accept against what we expect of the terms. */
    void accepted(ComputationAccept accept);

    /**
     * Runs the protocol, releases its result through {@link RuntimeSession#release} and returns the
     * summary.
     *
     * @param progress where progress updates go (at most a few a second)
     */
    RunSummary run(Running running, Consumer<RunUpdate> progress);
  }

  /**
   * What a running initiator works with.
   *
   * @param channel the protocol's channel (spending the use at the first frame)
   * @param control the stream's control messages (the notice of use)
   */
  record Running(
      RuntimeSession session,
      PeerChannel channel,
      ControlChannel control,
      FrameAudit audit,
      SessionStop stop,
      String traceId,
      long startedNanos,
      TransferCounts transfer) {}

  /** Bytes over the stream so far. */
  interface TransferCounts {
    long sent();

    long received();
  }
}
