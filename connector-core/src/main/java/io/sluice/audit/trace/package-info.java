/**
 * Cross-node analysis of one audit trace: pairs what each node logged about the frames and
 * negotiation messages it exchanged with the others, and reports every difference.
 *
 * <ul>
 *   <li>{@link io.sluice.audit.trace.NodeTrace}: one node's entries of the trace, with the verdict
 *       on their inclusion proofs.
 *   <li>{@link io.sluice.audit.trace.TraceAnalysis#analyze}: merges and pairs them into a {@link
 *       io.sluice.audit.trace.TraceReport} (timeline, transfers, flows, findings, status).
 *   <li>{@link io.sluice.audit.trace.TraceRenderer}: text, JSON, Graphviz DOT and a self-contained
 *       HTML page.
 * </ul>
 *
 * <p>What it establishes: when every node's proofs verified and the status is {@code VERIFIED},
 * each frame and negotiation message is recorded in the signed logs of both its sender and its
 * receiver with the same digest and counts, so neither node can later deny or alter its side
 * without its log's signed heads no longer verifying. It cannot tell which side is right when they
 * differ, and times are each node's own clock. See {@code docs/audit-trace.md}.
 */
package io.sluice.audit.trace;
