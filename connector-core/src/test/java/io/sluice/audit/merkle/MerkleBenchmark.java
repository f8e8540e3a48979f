package io.sluice.audit.merkle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Times the audit log's Merkle work at a million entries: leaf hashing, recomputing the root from
 * stored leaf hashes, and generating and verifying inclusion and consistency proofs. Not a unit
 * test; run it by hand on one core, e.g.
 *
 * <pre>
 * java -Xmx1g -XX:ActiveProcessorCount=1 \
 *   -cp connector-core/target/classes:connector-core/target/test-classes \
 *   io.sluice.audit.merkle.MerkleBenchmark [leaves] [proofs] [rounds]
 * </pre>
 *
 * Exits with status 1 if any root disagrees or any proof fails to verify.
 */
public final class MerkleBenchmark {
  private MerkleBenchmark() {}

  public static void main(String[] args) {
    int leafCount = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int proofCount = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    System.out.printf(
        "leaves=%d proofs=%d rounds=%d cpus=%d java=%s%n",
        leafCount,
        proofCount,
        rounds,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));

    SplittableRandom random = new SplittableRandom(20250101L);
    List<byte[]> entries = new ArrayList<>(leafCount);
    for (int i = 0; i < leafCount; i++) {
      byte[] entry = new byte[64];
      random.nextBytes(entry);
      entries.add(entry);
    }

    boolean ok = true;
    for (int round = 1; round <= rounds; round++) {
      System.out.printf("round %d%n", round);

      long t0 = System.nanoTime();
      TreeHasher hasher = new TreeHasher();
      List<byte[]> leafHashes = new ArrayList<>(leafCount);
      for (byte[] entry : entries) {
        leafHashes.add(hasher.hashLeaf(entry));
      }
      report("hash %d leaves (64-byte entries)".formatted(leafCount), t0);
      LeafHashes leaves = LeafHashes.of(leafHashes);

      t0 = System.nanoTime();
      byte[] root = MerkleAccumulator.rootOf(leaves, leafCount);
      report("recompute root from %d leaf hashes (accumulator)".formatted(leafCount), t0);

      MerkleTree tree = new MerkleTree(leaves);
      t0 = System.nanoTime();
      byte[] treeRoot = tree.rootAt(leafCount);
      report("MerkleTree.rootAt, cold cache (fills it)", t0);
      if (!Arrays.equals(root, treeRoot)) {
        System.out.println("  MISMATCH: accumulator and MerkleTree roots differ");
        ok = false;
      }

      long[] indices = random.longs(proofCount, 0, leafCount).toArray();
      List<List<byte[]>> proofs = new ArrayList<>(proofCount);
      t0 = System.nanoTime();
      for (long index : indices) {
        proofs.add(tree.inclusionProof(index, leafCount));
      }
      report("generate %d inclusion proofs".formatted(proofCount), t0);

      t0 = System.nanoTime();
      int failed = 0;
      for (int i = 0; i < proofCount; i++) {
        long index = indices[i];
        if (!MerkleVerifier.verifyInclusion(
            index, leafCount, leafHashes.get((int) index), proofs.get(i), root)) {
          failed++;
        }
      }
      report("verify %d inclusion proofs (%d failed)".formatted(proofCount, failed), t0);
      ok &= failed == 0;

      long[] olderSizes = random.longs(proofCount, 1, leafCount + 1L).toArray();
      byte[][] olderRoots = new byte[proofCount][];
      for (int i = 0; i < proofCount; i++) {
        olderRoots[i] = tree.rootAt(olderSizes[i]);
      }
      List<List<byte[]>> consistency = new ArrayList<>(proofCount);
      t0 = System.nanoTime();
      for (long size1 : olderSizes) {
        consistency.add(tree.consistencyProof(size1, leafCount));
      }
      report("generate %d consistency proofs".formatted(proofCount), t0);
      t0 = System.nanoTime();
      failed = 0;
      for (int i = 0; i < proofCount; i++) {
        if (!MerkleVerifier.verifyConsistency(
            olderSizes[i], leafCount, olderRoots[i], root, consistency.get(i))) {
          failed++;
        }
      }
      report("verify %d consistency proofs (%d failed)".formatted(proofCount, failed), t0);
      ok &= failed == 0;

      if (round == 1) {
        int uncached = 10;
        MerkleTree plain = new MerkleTree(leaves, 62);
        t0 = System.nanoTime();
        for (int i = 0; i < uncached; i++) {
          plain.inclusionProof(indices[i], leafCount);
        }
        report("generate %d inclusion proofs without the subtree cache".formatted(uncached), t0);
      }
    }
    System.out.println(ok ? "all roots agree, all proofs verified" : "FAILED");
    if (!ok) {
      System.exit(1);
    }
  }

  private static void report(String what, long startNanos) {
    System.out.printf("  %-58s %9.1f ms%n", what, (System.nanoTime() - startNanos) / 1e6);
  }
}
