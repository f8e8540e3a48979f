package io.sluice.data;

import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Types;
import java.util.Calendar;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TimeZone;
import java.util.function.Function;
import org.apache.arrow.adapter.jdbc.JdbcFieldInfo;
import org.apache.arrow.adapter.jdbc.JdbcToArrowConfig;
import org.apache.arrow.adapter.jdbc.JdbcToArrowConfigBuilder;
import org.apache.arrow.adapter.jdbc.JdbcToArrowUtils;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * How JDBC sources become Arrow: arrow-jdbc's type mapping, read with a UTC calendar (so values do
 * not depend on the JVM's time zone), plus fallbacks for the JDBC types arrow-jdbc leaves unmapped:
 * {@code TIMESTAMP WITH TIME ZONE} becomes a UTC timestamp, anything else unmapped (and a {@code
 * DECIMAL} without a usable precision, as SQLite reports for expressions) is read as text with
 * {@code ResultSet.getString}.
 */
final class JdbcSupport {
  private static final Calendar UTC = Calendar.getInstance(TimeZone.getTimeZone("UTC"));

  private JdbcSupport() {}

  /**
   * The conversion for one query. {@code declared} (from {@link #declaredTypes}) fixes each
   * column's type; without it arrow-jdbc uses the executed result set's metadata, which some
   * drivers (SQLite) derive from the first row's values, so a later row could be truncated.
   */
  static JdbcToArrowConfig config(
      BufferAllocator allocator, int batchRows, Map<Integer, JdbcFieldInfo> declared) {
    Calendar calendar = (Calendar) UTC.clone();
    return new JdbcToArrowConfigBuilder(allocator, calendar)
        .setTargetBatchSize(batchRows)
        .setReuseVectorSchemaRoot(true)
        .setJdbcToArrowTypeConverter(typeConverter(calendar))
        .setExplicitTypesByColumnIndex(declared)
        // widen the scale of a value to its column's (2.5 -> 2.50); never drop digits
        .setBigDecimalRoundingMode(RoundingMode.UNNECESSARY)
        .build();
  }

  /**
   * The column types the query declares, from the prepared statement without running it; empty when
   * the driver cannot tell before executing.
   */
  static Map<Integer, JdbcFieldInfo> declaredTypes(PreparedStatement statement)
      throws SQLException {
    ResultSetMetaData meta;
    try {
      meta = statement.getMetaData();
    } catch (SQLFeatureNotSupportedException e) {
      return Map.of();
    }
    if (meta == null) {
      return Map.of();
    }
    Map<Integer, JdbcFieldInfo> declared = new HashMap<>();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      declared.put(i, new JdbcFieldInfo(meta, i));
    }
    return declared;
  }

  private static Function<JdbcFieldInfo, ArrowType> typeConverter(Calendar calendar) {
    return info -> {
      switch (info.getJdbcType()) {
        case Types.TIMESTAMP_WITH_TIMEZONE:
          return new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC");
        case Types.DECIMAL:
        case Types.NUMERIC:
          if (info.getPrecision() <= 0 || info.getPrecision() > 38 || info.getScale() < 0) {
            return ArrowType.Utf8.INSTANCE;
          }
          break;
        default:
          break;
      }
      try {
        return JdbcToArrowUtils.getArrowTypeFromJdbcType(info, calendar);
      } catch (UnsupportedOperationException unmapped) {
        return ArrowType.Utf8.INSTANCE;
      }
    };
  }

  /** A connection for reading; auto-commit off so that drivers such as PostgreSQL stream rows. */
  static Connection connect(DatasetSource.Jdbc source) throws SQLException {
    Properties props = new Properties();
    source.user().ifPresent(u -> props.setProperty("user", u));
    source.password().ifPresent(p -> props.setProperty("password", p));
    if (source.url().startsWith("jdbc:duckdb:")) {
      // DuckDB's driver materializes whole results unless told to stream them
      props.setProperty("jdbc_stream_results", "true");
    }
    Connection conn = DriverManager.getConnection(source.url(), props);
    try {
      conn.setAutoCommit(false);
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

  /** Ends the read-only transaction and closes, keeping the first failure. */
  static void close(Connection conn) throws SQLException {
    try {
      conn.rollback();
    } finally {
      conn.close();
    }
  }
}
