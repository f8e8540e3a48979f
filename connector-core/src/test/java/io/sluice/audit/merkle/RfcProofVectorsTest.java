package io.sluice.audit.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every inclusion and consistency file of transparency-dev/merkle {@code testdata/}: the happy
 * paths verify (and are exactly the proofs we generate for the reference tree), every mutated one
 * fails. Sizes are uint64 in the files; values of 2^63 and more become negative longs, as protobuf
 * uint64 fields do in Java.
 */
class RfcProofVectorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record InclusionVector(
      String name,
      long leafIdx,
      long treeSize,
      byte[] root,
      byte[] leafHash,
      List<byte[]> proof,
      boolean wantErr) {}

  record ConsistencyVector(
      String name,
      long size1,
      long size2,
      byte[] root1,
      byte[] root2,
      List<byte[]> proof,
      boolean wantErr) {}

  @TestFactory
  Stream<DynamicTest> inclusionVectorsHaveTheExpectedOutcome() {
    return inclusionVectors().stream()
        .map(
            v ->
                DynamicTest.dynamicTest(
                    v.name(),
                    () ->
                        assertThat(
                                MerkleVerifier.verifyInclusion(
                                    v.leafIdx(), v.treeSize(), v.leafHash(), v.proof(), v.root()))
                            .as(v.name())
                            .isEqualTo(!v.wantErr())));
  }

  @TestFactory
  Stream<DynamicTest> consistencyVectorsHaveTheExpectedOutcome() {
    return consistencyVectors().stream()
        .map(
            v ->
                DynamicTest.dynamicTest(
                    v.name(),
                    () ->
                        assertThat(
                                MerkleVerifier.verifyConsistency(
                                    v.size1(), v.size2(), v.root1(), v.root2(), v.proof()))
                            .as(v.name())
                            .isEqualTo(!v.wantErr())));
  }

  @Test
  void vectorSetsHoldHappyAndMutatedCases() {
    List<InclusionVector> inclusion = inclusionVectors();
    List<ConsistencyVector> consistency = consistencyVectors();
    assertThat(inclusion.stream().filter(v -> !v.wantErr()).count()).isGreaterThanOrEqualTo(6);
    assertThat(inclusion.stream().filter(InclusionVector::wantErr).count()).isGreaterThan(50);
    assertThat(consistency.stream().filter(v -> !v.wantErr()).count()).isGreaterThanOrEqualTo(6);
    assertThat(consistency.stream().filter(ConsistencyVector::wantErr).count()).isGreaterThan(50);
  }

  /** The numbered directories hold proofs over the reference tree; we must generate the same. */
  @TestFactory
  Stream<DynamicTest> generatedProofsEqualTheHappyPaths() {
    MerkleTree tree = new MerkleTree(LeafHashes.of(ReferenceTree.leafHashes()));
    Stream<DynamicTest> inclusion =
        inclusionVectors().stream()
            .filter(v -> !v.wantErr() && inNumberedDirectory(v.name()))
            .map(
                v ->
                    DynamicTest.dynamicTest(
                        v.name(),
                        () -> {
                          assertThat(tree.rootAt(v.treeSize())).isEqualTo(v.root());
                          assertThat(ReferenceTree.leafHashes().get((int) v.leafIdx()))
                              .isEqualTo(v.leafHash());
                          assertThat(tree.inclusionProof(v.leafIdx(), v.treeSize()))
                              .containsExactlyElementsOf(v.proof());
                        }));
    Stream<DynamicTest> consistency =
        consistencyVectors().stream()
            .filter(v -> !v.wantErr() && inNumberedDirectory(v.name()))
            .map(
                v ->
                    DynamicTest.dynamicTest(
                        v.name(),
                        () -> {
                          assertThat(tree.rootAt(v.size1())).isEqualTo(v.root1());
                          assertThat(tree.rootAt(v.size2())).isEqualTo(v.root2());
                          assertThat(tree.consistencyProof(v.size1(), v.size2()))
                              .containsExactlyElementsOf(v.proof());
                        }));
    return Stream.concat(inclusion, consistency);
  }

  private static boolean inNumberedDirectory(String name) {
    return name.matches("(inclusion|consistency)/\\d+/.*");
  }

  static List<InclusionVector> inclusionVectors() {
    List<InclusionVector> out = new ArrayList<>();
    for (Path file : jsonFiles("inclusion")) {
      JsonNode j = read(file);
      out.add(
          new InclusionVector(
              name(file),
              uint64(j, "leafIdx"),
              uint64(j, "treeSize"),
              bytes(j, "root"),
              bytes(j, "leafHash"),
              hashes(j, "proof"),
              j.get("wantErr").booleanValue()));
    }
    return out;
  }

  static List<ConsistencyVector> consistencyVectors() {
    List<ConsistencyVector> out = new ArrayList<>();
    for (Path file : jsonFiles("consistency")) {
      JsonNode j = read(file);
      out.add(
          new ConsistencyVector(
              name(file),
              uint64(j, "size1"),
              uint64(j, "size2"),
              bytes(j, "root1"),
              bytes(j, "root2"),
              hashes(j, "proof"),
              j.get("wantErr").booleanValue()));
    }
    return out;
  }

  private static List<Path> jsonFiles(String kind) {
    Path dir = MerkleVectors.dir().resolve(kind);
    assertThat(dir).isDirectory();
    try (Stream<Path> files = Files.walk(dir)) {
      List<Path> list = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
      assertThat(list).as("%s vectors", kind).isNotEmpty();
      return list;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String name(Path file) {
    return MerkleVectors.dir().relativize(file).toString();
  }

  private static JsonNode read(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long uint64(JsonNode j, String field) {
    JsonNode n = j.get(field);
    assertThat(n.isIntegralNumber()).as(field).isTrue();
    return n.bigIntegerValue().longValue(); // two's complement, like a protobuf uint64
  }

  private static byte[] bytes(JsonNode j, String field) {
    return Base64.getDecoder().decode(j.get(field).asText());
  }

  private static List<byte[]> hashes(JsonNode j, String field) {
    JsonNode n = j.get(field);
    List<byte[]> out = new ArrayList<>();
    if (n != null && !n.isNull()) {
      n.forEach(e -> out.add(Base64.getDecoder().decode(e.asText())));
    }
    return out;
  }
}
