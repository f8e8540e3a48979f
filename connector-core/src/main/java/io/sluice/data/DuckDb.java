package io.sluice.data;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import org.duckdb.DuckDBConnection;

/**
 * Opens the embedded DuckDB used to read CSV and Parquet and to write Parquet: in memory, one
 * connection per reader or writer, with few threads, a memory limit, no spilling, no extension
 * loading, and file access restricted to the named paths before the configuration is locked.
 */
final class DuckDb {
  /** Threads per DuckDB connection; readers and writers are I/O bound here. */
  static final int THREADS = 1;

  /** Memory DuckDB itself may use per connection (Arrow batches are accounted separately). */
  static final String MEMORY_LIMIT = "256MB";

  private DuckDb() {}

  /**
   * A locked-down in-memory connection that may touch only {@code allowedPaths} (reading or
   * writing). The settings that need no path are connection properties, so nothing runs with them
   * open; the paths are set before external access is disabled and the configuration locked.
   */
  static DuckDBConnection open(List<Path> allowedPaths) throws SQLException {
    Properties props = new Properties();
    props.setProperty("threads", Integer.toString(THREADS));
    props.setProperty("memory_limit", MEMORY_LIMIT);
    props.setProperty("max_temp_directory_size", "0B");
    props.setProperty("autoinstall_known_extensions", "false");
    props.setProperty("autoload_known_extensions", "false");
    props.setProperty("allow_community_extensions", "false");
    // without it the driver materializes a whole result before the first row is read
    props.setProperty("jdbc_stream_results", "true");
    Connection plain = DriverManager.getConnection("jdbc:duckdb:", props);
    DuckDBConnection conn = plain.unwrap(DuckDBConnection.class);
    try {
      String paths =
          allowedPaths.stream().map(p -> literal(p.toString())).collect(Collectors.joining(", "));
      execute(conn, "SET allowed_paths = [" + paths + "]");
      execute(conn, "SET enable_external_access = false");
      execute(conn, "SET lock_configuration = true");
      return conn;
    } catch (SQLException | RuntimeException e) {
      try {
        conn.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Runs one statement on a fresh {@link Statement}: the driver closes a statement on error. */
  static void execute(Connection conn, String sql) throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }

  /** A SQL string literal. */
  static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /** A quoted SQL identifier. */
  static String identifier(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  /** The table function that scans a CSV or Parquet file. */
  static String scan(DatasetSource.File file) {
    String path = literal(file.path().toString());
    return switch (file.format()) {
      // allow_quoted_nulls = false: "" is an empty string, only an empty field is NULL
      case CSV ->
          "read_csv(" + path + ", header = true, auto_detect = true, allow_quoted_nulls = false)";
      case PARQUET -> "read_parquet(" + path + ")";
      case ARROW_FILE, ARROW_STREAM ->
          throw new IllegalArgumentException("DuckDB does not scan " + file.format());
    };
  }
}
