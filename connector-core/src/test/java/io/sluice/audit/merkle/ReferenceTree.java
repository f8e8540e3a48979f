package io.sluice.audit.merkle;

import java.util.HexFormat;
import java.util.List;

/**
 * The RFC 6962 reference tree: 8 leaf inputs and the root of every prefix, copied from
 * transparency-dev/merkle {@code testonly/constants.go} (Apache-2.0; {@code LeafInputs()} and
 * {@code RootHashes()}).
 *
 * <p>The root table is embedded rather than read from {@code shared/vectors/merkle/
 * reference-tree.json} because that file's {@code roots} array lacks the size-1 root ({@code
 * 6e340b9c...}): it has 8 entries for the 9 sizes 0..8 that its description promises, so its
 * indices are off by one from size 2 on. {@link ReferenceTreeTest} checks what the file does say.
 */
final class ReferenceTree {
  private ReferenceTree() {}

  static final List<String> LEAF_INPUTS_HEX =
      List.of(
          "",
          "00",
          "10",
          "2021",
          "3031",
          "40414243",
          "5051525354555657",
          "606162636465666768696a6b6c6d6e6f");

  /** {@code ROOTS_HEX.get(n)} is the root of the first n leaves. */
  static final List<String> ROOTS_HEX =
      List.of(
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
          "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
          "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
          "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
          "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
          "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

  static List<byte[]> leafHashes() {
    TreeHasher hasher = new TreeHasher();
    return LEAF_INPUTS_HEX.stream().map(h -> hasher.hashLeaf(HexFormat.of().parseHex(h))).toList();
  }

  static byte[] root(int size) {
    return HexFormat.of().parseHex(ROOTS_HEX.get(size));
  }
}
