/**
 * RFC 9162 (Certificate Transparency v2) Merkle trees for the tamper-evident audit log.
 *
 * <ul>
 *   <li>{@link io.sluice.audit.merkle.TreeHasher}: the RFC 9162 §2.1 leaf and node hashes.
 *   <li>{@link io.sluice.audit.merkle.MerkleAccumulator}: the root of a growing log in O(log n)
 *       memory (the "compact range" of perfect subtree roots).
 *   <li>{@link io.sluice.audit.merkle.MerkleTree}: inclusion and consistency proofs over stored
 *       leaf hashes ({@link io.sluice.audit.merkle.LeafHashes}).
 *   <li>{@link io.sluice.audit.merkle.MerkleVerifier}: checks those proofs; an invalid proof is a
 *       {@code false} result, never an exception.
 *   <li>{@link io.sluice.audit.merkle.TreeHead}: the canonical bytes a node signs for a tree head.
 * </ul>
 *
 * <p>Security property: assuming SHA-256 is collision resistant, a verified inclusion proof shows
 * that the leaf hash is at the given index of the tree whose root was checked, and a verified
 * consistency proof shows that the older tree is a prefix of the newer one. Tree sizes are bound
 * through the roots: callers must take size and root together from one signed {@link
 * io.sluice.audit.merkle.TreeHead}. See {@code docs/audit-merkle.md}.
 */
package io.sluice.audit.merkle;
