package io.sluice.data;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds {@code shared/vectors/<folder>}; fails (never skips) when it is missing. */
final class TestVectors {
  private TestVectors() {}

  static Path folder(String name) {
    String repoRoot = System.getProperty("sluice.repo.root");
    if (repoRoot != null) {
      Path candidate = Path.of(repoRoot).resolve("../shared/vectors").resolve(name).normalize();
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("shared/vectors").resolve(name);
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(
        "shared/vectors/" + name + " not found (sluice.repo.root=" + repoRoot + ")");
  }
}
