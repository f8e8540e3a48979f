package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The errors of this package, worded once. */
final class DataErrors {
  private DataErrors() {}

  /** INVALID_DATA naming the source and why; the library's own message stays in the cause. */
  static SluiceException invalidData(DatasetSource source, String reason, Throwable cause) {
    return new SluiceException(ErrorCode.INVALID_DATA, source.describe() + ": " + reason, cause);
  }

  static SluiceException invalidData(DatasetSource source, String reason) {
    return new SluiceException(ErrorCode.INVALID_DATA, source.describe() + ": " + reason);
  }

  /** Fails unless {@code file} is an existing, readable regular file. */
  static void checkReadable(DatasetSource.File file) {
    Path p = file.path();
    if (!Files.exists(p)) {
      throw invalidData(file, "no such file");
    }
    if (!Files.isRegularFile(p)) {
      throw invalidData(file, "not a regular file");
    }
    if (!Files.isReadable(p)) {
      throw invalidData(file, "not readable (permission denied)");
    }
  }

  /** INVALID_ARGUMENT for a projection naming columns the dataset does not have. */
  static SluiceException missingColumns(
      DatasetSource source, List<String> missing, List<String> available) {
    return new SluiceException(
        ErrorCode.INVALID_ARGUMENT,
        source.describe()
            + ": no column "
            + quoteAll(missing)
            + "; the columns are "
            + quoteAll(available));
  }

  static String quoteAll(List<String> names) {
    List<String> quoted = new ArrayList<>(names.size());
    for (String n : names) {
      quoted.add("\"" + n + "\"");
    }
    return String.join(", ", quoted);
  }
}
