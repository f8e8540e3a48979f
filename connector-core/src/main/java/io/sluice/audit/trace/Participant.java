package io.sluice.audit.trace;

/**
 * A participant of a trace: a queried node, or a counterparty named in the entries whose node was
 * not queried ({@code queried} false, no entries, proofs not verified, no problem).
 *
 * @param entries how many entries the node returned for the trace
 * @param problem why the proofs did not verify, as the caller stated it; empty otherwise
 */
public record Participant(
    String id, boolean queried, int entries, boolean proofsVerified, String problem) {}
