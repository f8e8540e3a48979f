package io.sluice.node.config;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.file.Path;

/** A configuration problem, worded as {@code FILE[:LINE]: FIELD: problem}. */
public final class ConfigException extends SluiceException {
  private static final long serialVersionUID = 1L;

  public ConfigException(Path file, int line, String field, String problem) {
    super(ErrorCode.INVALID_CONFIG, format(file, line, field, problem));
  }

  /** An error about {@code field}, at its line (or its nearest enclosing field's) when known. */
  static ConfigException at(
      Path file, java.util.Map<String, Integer> lines, String field, String problem) {
    Integer line = lines.get(field);
    for (String f = field; line == null && (f.contains(".") || f.endsWith("]")); ) {
      f = f.endsWith("]") ? f.substring(0, f.lastIndexOf('[')) : f.substring(0, f.lastIndexOf('.'));
      line = lines.get(f);
    }
    return new ConfigException(file, line == null ? 0 : line, field, problem);
  }

  static String format(Path file, int line, String field, String problem) {
    StringBuilder s = new StringBuilder().append(file);
    if (line > 0) {
      s.append(':').append(line);
    }
    s.append(": ");
    if (field != null && !field.isEmpty()) {
      s.append(field).append(": ");
    }
    return s.append(problem).toString();
  }
}
