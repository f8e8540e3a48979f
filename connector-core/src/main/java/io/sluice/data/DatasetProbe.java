package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.adapter.jdbc.JdbcFieldInfo;
import org.apache.arrow.adapter.jdbc.JdbcToArrowConfig;
import org.apache.arrow.adapter.jdbc.JdbcToArrowUtils;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;
import org.duckdb.DuckDBConnection;

/**
 * Learns a dataset's schema and row count without loading its rows into memory:
 *
 * <ul>
 *   <li>CSV: DuckDB sniffs the schema ({@code LIMIT 0}) and counts with one streaming scan;
 *   <li>Parquet: the schema from DuckDB, the row count from the footer metadata;
 *   <li>Arrow IPC file: the schema from the footer, the row count from each record batch's header
 *       (bodies are skipped); Arrow IPC stream: the same, walking the messages (see {@link
 *       IpcFraming});
 *   <li>JDBC: the schema from the result set metadata of the query (mapped as arrow-jdbc maps it,
 *       see {@link JdbcSupport}); the rows from {@code SELECT count(*) FROM (<query>) q}.
 * </ul>
 *
 * <p>The schema equals the one {@link BatchReader} yields without projection. A source that is
 * missing, unreadable or malformed is {@link ErrorCode#INVALID_DATA} naming it and the reason, so
 * that a catalog can report it and go on with other datasets.
 */
public final class DatasetProbe {
  private DatasetProbe() {}

  public static DatasetInfo probe(DatasetSource source, BufferAllocator allocator) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(allocator, "allocator");
    if (source instanceof DatasetSource.Jdbc jdbc) {
      return probeJdbc(jdbc, allocator);
    }
    DatasetSource.File file = (DatasetSource.File) source;
    DataErrors.checkReadable(file);
    return switch (file.format()) {
      case ARROW_FILE, ARROW_STREAM -> probeIpc(file, allocator);
      case CSV, PARQUET -> probeDuckDb(file, allocator);
    };
  }

  private static DatasetInfo probeIpc(DatasetSource.File file, BufferAllocator allocator) {
    Schema schema;
    try (BatchReader reader = BatchReader.open(file, allocator, 1, List.of())) {
      schema = reader.schema();
    }
    return new DatasetInfo(schema, IpcFraming.rowCount(file, allocator));
  }

  private static DatasetInfo probeDuckDb(DatasetSource.File file, BufferAllocator allocator) {
    try (DuckDBConnection conn = DuckDb.open(List.of(file.path()))) {
      Schema schema = DuckDbScan.schema(conn, file, allocator);
      return new DatasetInfo(schema, DuckDbScan.rowCount(conn, file));
    } catch (SQLException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "the embedded DuckDB failed", e);
    }
  }

  /**
   * The schema comes from the prepared query's declared column types, exactly as the reader fixes
   * them (see {@link JdbcSupport#config}); only a driver that cannot describe a query before
   * running it makes the probe run it for one row.
   */
  private static DatasetInfo probeJdbc(DatasetSource.Jdbc source, BufferAllocator allocator) {
    Connection conn;
    try {
      conn = JdbcSupport.connect(source);
    } catch (SQLException | RuntimeException e) {
      throw DataErrors.invalidData(source, "cannot connect", e);
    }
    try {
      Schema schema;
      try (PreparedStatement ps = conn.prepareStatement(source.query())) {
        Map<Integer, JdbcFieldInfo> declared = JdbcSupport.declaredTypes(ps);
        JdbcToArrowConfig config = JdbcSupport.config(allocator, 1, declared);
        if (!declared.isEmpty()) {
          schema = JdbcToArrowUtils.jdbcToArrowSchema(ps.getMetaData(), config);
        } else {
          ps.setMaxRows(1);
          try (ResultSet rs = ps.executeQuery()) {
            schema = JdbcToArrowUtils.jdbcToArrowSchema(rs.getMetaData(), config);
          }
        }
      }
      long rows;
      try (Statement st = conn.createStatement();
          ResultSet rs = st.executeQuery("SELECT count(*) FROM (" + source.query() + ") q")) {
        if (!rs.next()) {
          throw DataErrors.invalidData(source, "the row count query returned no row");
        }
        rows = rs.getLong(1);
      }
      return new DatasetInfo(schema, rows);
    } catch (SQLException | RuntimeException e) {
      if (e instanceof SluiceException s) {
        throw s;
      }
      throw DataErrors.invalidData(source, "the query could not be run", e);
    } finally {
      try {
        JdbcSupport.close(conn);
      } catch (SQLException ignored) {
        // the probe's answer stands; the connection is gone either way
      }
    }
  }
}
