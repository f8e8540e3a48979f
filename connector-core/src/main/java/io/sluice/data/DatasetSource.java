package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a dataset lives: a local file ({@link File}) or a JDBC query ({@link Jdbc}). A source is a
 * description only; nothing is opened until it is probed or read. Sources come from the node's
 * configuration (trusted operator input): a JDBC query runs with the privileges of its URL's user.
 */
public sealed interface DatasetSource permits DatasetSource.File, DatasetSource.Jdbc {

  /** A local file whose format is given by its extension (see {@link DataFormat#fromFileName}). */
  static File file(Path path) {
    Objects.requireNonNull(path, "path");
    return new File(path, DataFormat.fromFileName(path));
  }

  /** A local file read as {@code format}, whatever its extension. */
  static File file(Path path, DataFormat format) {
    return new File(path, format);
  }

  /** The rows of {@code query} on the database at {@code url}, with the URL's own credentials. */
  static Jdbc jdbc(String url, String query) {
    return new Jdbc(url, query, null, null);
  }

  /** The rows of {@code query} on the database at {@code url}, as {@code user}. */
  static Jdbc jdbc(String url, String query, String user, String password) {
    return new Jdbc(url, query, user, password);
  }

  /** A description for messages and logs: never a password. */
  String describe();

  /** A local file in one of the {@link DataFormat}s. */
  final class File implements DatasetSource {
    private final Path path;
    private final DataFormat format;

    private File(Path path, DataFormat format) {
      this.path = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
      this.format = Objects.requireNonNull(format, "format");
    }

    /** The absolute, normalized path. */
    public Path path() {
      return path;
    }

    public DataFormat format() {
      return format;
    }

    @Override
    public String describe() {
      return format + " file " + path;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof File other && path.equals(other.path) && format == other.format;
    }

    @Override
    public int hashCode() {
      return Objects.hash(path, format);
    }

    @Override
    public String toString() {
      return describe();
    }
  }

  /**
   * A SQL query over JDBC. The query must be a single {@code SELECT} (or anything the database
   * accepts as a subquery: the row count is {@code SELECT count(*) FROM (<query>) q}); a trailing
   * semicolon is dropped.
   */
  final class Jdbc implements DatasetSource {
    private final String url;
    private final String query;
    private final String user;
    private final String password;

    private Jdbc(String url, String query, String user, String password) {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(query, "query");
      if (!url.startsWith("jdbc:")) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT, "a JDBC URL starts with \"jdbc:\"; got " + redactUrl(url));
      }
      String q = query.strip();
      while (q.endsWith(";")) {
        q = q.substring(0, q.length() - 1).strip();
      }
      if (q.isEmpty()) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT, "the query of JDBC source " + redactUrl(url) + " is empty");
      }
      if (password != null && user == null) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "JDBC source " + redactUrl(url) + " has a password but no user");
      }
      this.url = url;
      this.query = q;
      this.user = user;
      this.password = password;
    }

    public String url() {
      return url;
    }

    /** The query without a trailing semicolon. */
    public String query() {
      return query;
    }

    public Optional<String> user() {
      return Optional.ofNullable(user);
    }

    /** The password, for the driver only; never logged. */
    Optional<String> password() {
      return Optional.ofNullable(password);
    }

    @Override
    public String describe() {
      return "JDBC query on " + redactUrl(url);
    }

    @Override
    public String toString() {
      return describe() + (user == null ? "" : " as " + user);
    }

    /**
     * Drops user info ({@code //user:secret@host}) and everything after the first {@code ?} or
     * {@code ;}: both may hold secrets.
     */
    static String redactUrl(String url) {
      int slashes = url.indexOf("//");
      if (slashes >= 0) {
        int at = url.indexOf('@', slashes);
        int end = url.indexOf('/', slashes + 2);
        if (at >= 0 && (end < 0 || at < end)) {
          url = url.substring(0, slashes + 2) + "…@" + url.substring(at + 1);
        }
      }
      int cut = url.length();
      for (char c : new char[] {'?', ';'}) {
        int i = url.indexOf(c);
        if (i >= 0 && i < cut) {
          cut = i;
        }
      }
      return cut == url.length() ? url : url.substring(0, cut) + "?…";
    }
  }
}
