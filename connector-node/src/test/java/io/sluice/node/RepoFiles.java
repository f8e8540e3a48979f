package io.sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's own files (README, deploy/, policies) for tests that check them. */
public final class RepoFiles {
  private RepoFiles() {}

  /** The repository root: {@code sluice.repo.root} (set by the build), else the dir with mvnw. */
  public static Path root() {
    String property = System.getProperty("sluice.repo.root");
    if (property != null && !property.isBlank()) {
      return Path.of(property);
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("repository root (a directory with mvnw)").isNotNull();
    return dir;
  }
}
