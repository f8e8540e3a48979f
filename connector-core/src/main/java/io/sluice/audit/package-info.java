/**
 * The node's tamper-evident audit log.
 *
 * <ul>
 *   <li>{@link io.sluice.audit.AuditEvent} ({@link io.sluice.audit.EventType}): what happened.
 *   <li>{@link io.sluice.audit.AuditLog}: appends events in batches off the data path, signs tree
 *       heads ({@link io.sluice.audit.TreeHeadSigner}, {@link io.sluice.audit.SignedTreeHead}).
 *   <li>{@link io.sluice.audit.AuditStore}: entries, heads and RFC 9162 proofs from the store.
 *   <li>{@link io.sluice.audit.AuditVerifier}: rechecks a stored log from scratch and names the
 *       first bad entry or head ({@link io.sluice.audit.AuditProblem}).
 * </ul>
 *
 * <p>Security property: if the verifier passes with the node's certificate, every entry up to the
 * last signed head is exactly what the node stored when it signed, in that order; a head the node
 * gave out earlier is consistent with every later one. See {@code docs/audit-log.md} for the
 * encoding and for what is not protected.
 */
package io.sluice.audit;
