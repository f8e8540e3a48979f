package io.sluice.audit.merkle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds {@code shared/vectors/merkle} (transparency-dev/merkle {@code testdata/}, Apache-2.0).
 * Missing vectors fail the build: a skipped known-answer test proves nothing.
 */
final class MerkleVectors {
  private MerkleVectors() {}

  static Path dir() {
    List<Path> tried = new ArrayList<>();
    String repoRoot = System.getProperty("sluice.repo.root");
    if (repoRoot != null && !repoRoot.isBlank()) {
      Path candidate = Path.of(repoRoot).resolve("../shared/vectors/merkle").normalize();
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      tried.add(candidate);
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("shared/vectors/merkle");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      tried.add(candidate);
    }
    throw new AssertionError("Merkle test vectors not found; tried " + tried);
  }
}
