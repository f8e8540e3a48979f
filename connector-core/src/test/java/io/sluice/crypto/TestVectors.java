package io.sluice.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bouncycastle.util.encoders.Hex;

/**
 * Locates the shared public test vectors ({@code ../shared/vectors} relative to the repository
 * root) and reads them. A missing file fails the test: a vector test that silently skips proves
 * nothing.
 */
public final class TestVectors {
  private TestVectors() {}

  /** The {@code shared/vectors} folder. */
  public static Path root() {
    String repoRoot = System.getProperty("sluice.repo.root");
    if (repoRoot != null && !repoRoot.isBlank()) {
      Path candidate = Path.of(repoRoot).resolve("../shared/vectors").normalize();
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    // Running outside Maven (an IDE): search upward from the working directory.
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/vectors");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(
        "test vectors not found: expected ../shared/vectors next to the repository root"
            + " (system property sluice.repo.root="
            + repoRoot
            + ")");
  }

  /** Parses {@code shared/vectors/<relative>} as JSON; fails if absent. */
  public static JsonNode json(String relative) {
    Path file = root().resolve(relative);
    if (!Files.isRegularFile(file)) {
      throw new AssertionError("test vector file missing: " + file);
    }
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] hex(String hex) {
    return Hex.decode(hex.startsWith("0x") ? hex.substring(2) : hex);
  }

  /** A {@code 0x...} hex field as a non-negative integer. */
  public static BigInteger bigHex(String hex) {
    return new BigInteger(hex.startsWith("0x") ? hex.substring(2) : hex, 16);
  }
}
