package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A passphrase for an encrypted private key, read from a file or from {@code SLUICE_PASSPHRASE}.
 * Closing it zeroes the characters.
 */
public final class Passphrase implements AutoCloseable {
  public static final String ENV = "SLUICE_PASSPHRASE";

  private final char[] chars;

  private Passphrase(char[] chars) {
    this.chars = chars;
  }

  public static Passphrase of(char[] chars) {
    return new Passphrase(chars.clone());
  }

  /**
   * The passphrase from {@code file} when given, else from the environment. Trailing line breaks of
   * the file are dropped. Missing both is an error naming both sources.
   */
  public static Passphrase fromFileOrEnv(Path file, Map<String, String> env) {
    if (file != null) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT, "cannot read passphrase file " + file + ": " + reason(e));
      }
      String text = new String(bytes, StandardCharsets.UTF_8);
      Arrays.fill(bytes, (byte) 0);
      int end = text.length();
      while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
        end--;
      }
      if (end == 0) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT, "passphrase file " + file + " is empty");
      }
      char[] chars = new char[end];
      text.getChars(0, end, chars, 0);
      return new Passphrase(chars);
    }
    String value = env.get(ENV);
    if (value == null || value.isEmpty()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "no passphrase: set " + ENV + " or give a passphrase file");
    }
    return new Passphrase(value.toCharArray());
  }

  /** The characters; callers must not keep them beyond this object's life. */
  public char[] chars() {
    return chars;
  }

  @Override
  public void close() {
    Arrays.fill(chars, '\0');
  }

  static String reason(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getClass().getSimpleName();
  }
}
