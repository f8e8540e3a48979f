package io.sluice.audit.trace;

import java.util.List;
import java.util.Optional;

/**
 * The analysis of one trace across nodes (see {@link TraceAnalysis#analyze}). Immutable; every list
 * is in a deterministic order that depends only on the entries, not on the order of the nodes.
 */
public final class TraceReport {
  private final String traceId;
  private final List<String> agreements;
  private final List<Participant> participants;
  private final List<TimelineEntry> timeline;
  private final List<Transfer> transfers;
  private final List<Flow> flows;
  private final List<Finding> findings;

  TraceReport(
      String traceId,
      List<String> agreements,
      List<Participant> participants,
      List<TimelineEntry> timeline,
      List<Transfer> transfers,
      List<Flow> flows,
      List<Finding> findings) {
    this.traceId = traceId;
    this.agreements = List.copyOf(agreements);
    this.participants = List.copyOf(participants);
    this.timeline = List.copyOf(timeline);
    this.transfers = List.copyOf(transfers);
    this.flows = List.copyOf(flows);
    this.findings = List.copyOf(findings);
  }

  public String traceId() {
    return traceId;
  }

  /** {@link TraceStatus#DISCREPANCIES} if there is one, else PARTIAL if there is a note. */
  public TraceStatus status() {
    if (findings.stream().anyMatch(Finding::isDiscrepancy)) {
      return TraceStatus.DISCREPANCIES;
    }
    return findings.isEmpty() ? TraceStatus.VERIFIED : TraceStatus.PARTIAL;
  }

  /** The distinct non-empty agreement ids of the trace's entries, sorted. */
  public List<String> agreements() {
    return agreements;
  }

  /**
   * The queried nodes and the counterparties their entries name, in order of first appearance in
   * the timeline; queried nodes without entries follow, sorted.
   */
  public List<Participant> participants() {
    return participants;
  }

  public Optional<Participant> participant(String id) {
    return participants.stream().filter(p -> p.id().equals(id)).findFirst();
  }

  /**
   * Every entry of every node, sorted by time, then by node (participant id), then by sequence.
   * Times are each node's own clock, so the order between nodes is only as good as their clocks.
   */
  public List<TimelineEntry> timeline() {
    return timeline;
  }

  /** Every frame and negotiation message, ordered by its first entry in the timeline. */
  public List<Transfer> transfers() {
    return transfers;
  }

  /** One per (sender, receiver) with transfers, ordered by the participants' order. */
  public List<Flow> flows() {
    return flows;
  }

  /** Discrepancies and notes: those about whole nodes first, then in timeline order. */
  public List<Finding> findings() {
    return findings;
  }

  public List<Finding> discrepancies() {
    return findings.stream().filter(Finding::isDiscrepancy).toList();
  }

  public List<Finding> notes() {
    return findings.stream().filter(f -> !f.isDiscrepancy()).toList();
  }

  /** Frames both sides logged identically. */
  public long framesPaired() {
    return transfers.stream()
        .filter(t -> t.isFrame() && t.status() == Transfer.Status.PAIRED)
        .count();
  }

  /** Negotiation messages both sides logged identically. */
  public long messagesPaired() {
    return transfers.stream()
        .filter(t -> !t.isFrame() && t.status() == Transfer.Status.PAIRED)
        .count();
  }
}
