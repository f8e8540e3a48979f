package io.sluice.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test access to files of the repository and to the test resources. */
public final class RepoFiles {
  private RepoFiles() {}

  /** The repository root: the system property surefire sets, else the nearest dir with mvnw. */
  public static Path root() {
    String property = System.getProperty("sluice.repo.root");
    if (property != null && !property.isBlank()) {
      return Path.of(property);
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("cannot find the repository root from " + Path.of(""));
    }
    return dir;
  }

  public static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file of the repository, by path relative to its root. */
  public static String repoFile(String relative) {
    return read(root().resolve(relative));
  }

  /** A class-path resource, e.g. {@code io/sluice/policy/examples/cleanroom-offer.json}. */
  public static String resource(String name) {
    try (InputStream in = RepoFiles.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One of the shipped example policies, by file name. */
  public static String example(String fileName) {
    return resource("io/sluice/policy/examples/" + fileName);
  }
}
