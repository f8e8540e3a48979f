package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.file.Path;
import java.util.Locale;

/** The file formats of local datasets and results. */
public enum DataFormat {
  /** RFC 4180 text with a header row, UTF-8. */
  CSV,
  /** Apache Parquet. */
  PARQUET,
  /** Arrow IPC file format ({@code .arrow}, {@code .feather}): batches plus a footer index. */
  ARROW_FILE,
  /** Arrow IPC stream format ({@code .arrows}): batches only, read front to back. */
  ARROW_STREAM;

  /**
   * The format named by a file's extension (case-insensitive): {@code .csv}, {@code .parquet} /
   * {@code .pq}, {@code .arrow} / {@code .feather} / {@code .ipc}, {@code .arrows}.
   *
   * @throws SluiceException INVALID_ARGUMENT when the extension names no format
   */
  public static DataFormat fromFileName(Path path) {
    Path name = path.getFileName();
    String file = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    int dot = file.lastIndexOf('.');
    String ext = dot < 0 ? "" : file.substring(dot + 1);
    return switch (ext) {
      case "csv" -> CSV;
      case "parquet", "pq" -> PARQUET;
      case "arrow", "feather", "ipc" -> ARROW_FILE;
      case "arrows" -> ARROW_STREAM;
      default ->
          throw new SluiceException(
              ErrorCode.INVALID_ARGUMENT,
              "cannot tell the format of "
                  + path
                  + " from its extension; expected .csv, .parquet, .arrow, .feather or .arrows,"
                  + " or name the format explicitly");
    };
  }
}
