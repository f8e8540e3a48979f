package io.sluice.audit.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferenceTreeTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void accumulatorReachesEveryReferenceRoot() {
    MerkleAccumulator accumulator = new MerkleAccumulator();
    assertThat(HEX.formatHex(accumulator.root())).isEqualTo(ReferenceTree.ROOTS_HEX.get(0));
    for (int n = 1; n <= 8; n++) {
      accumulator.appendEntry(HEX.parseHex(ReferenceTree.LEAF_INPUTS_HEX.get(n - 1)));
      assertThat(HEX.formatHex(accumulator.root()))
          .as("root of size %d", n)
          .isEqualTo(ReferenceTree.ROOTS_HEX.get(n));
    }
  }

  @Test
  void merkleTreeReachesEveryReferenceRootWhateverItCaches() {
    LeafHashes leaves = LeafHashes.of(ReferenceTree.leafHashes());
    for (int cacheLevel : new int[] {0, 1, 2, 3, MerkleTree.DEFAULT_CACHE_LEVEL}) {
      MerkleTree tree = new MerkleTree(leaves, cacheLevel);
      for (int n = 8; n >= 0; n--) {
        assertThat(HEX.formatHex(tree.rootAt(n)))
            .as("root of size %d, cache level %d", n, cacheLevel)
            .isEqualTo(ReferenceTree.ROOTS_HEX.get(n));
      }
      assertThat(MerkleAccumulator.rootOf(leaves, 5)).isEqualTo(ReferenceTree.root(5));
    }
  }

  /**
   * What {@code reference-tree.json} says that holds: its leaves are the reference leaves, its
   * first root is the empty tree's, and every root it lists is the root of a prefix of those
   * leaves, in increasing size. (Its list skips size 1, so index n is not size n; see {@link
   * ReferenceTree}.)
   */
  @Test
  void sharedReferenceTreeFileListsPrefixRootsInOrder() throws IOException {
    JsonNode json =
        new ObjectMapper().readTree(MerkleVectors.dir().resolve("reference-tree.json").toFile());
    List<String> leafInputs = new ArrayList<>();
    json.get("leafInputs").forEach(n -> leafInputs.add(n.asText()));
    assertThat(leafInputs).isEqualTo(ReferenceTree.LEAF_INPUTS_HEX);

    List<String> listed = new ArrayList<>();
    json.get("roots").forEach(n -> listed.add(n.asText()));
    assertThat(listed).isNotEmpty();
    assertThat(listed.get(0)).isEqualTo(HEX.formatHex(TreeHasher.emptyRoot()));

    MerkleTree tree = new MerkleTree(LeafHashes.of(ReferenceTree.leafHashes()));
    int size = 0;
    for (String root : listed) {
      while (size <= 8 && !HEX.formatHex(tree.rootAt(size)).equals(root)) {
        size++;
      }
      assertThat(size)
          .as("root %s is the root of a prefix, after the previous one", root)
          .isLessThanOrEqualTo(8);
      size++;
    }
  }
}
