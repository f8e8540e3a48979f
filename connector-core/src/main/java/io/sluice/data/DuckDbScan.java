package io.sluice.data;

import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;

/** Queries over one CSV or Parquet file on a connection from {@link DuckDb#open}. */
final class DuckDbScan {
  private DuckDbScan() {}

  /** The Arrow schema of the file's rows, from a {@code LIMIT 0} query: no rows are read. */
  static Schema schema(DuckDBConnection conn, DatasetSource.File file, BufferAllocator allocator) {
    String sql = "SELECT * FROM " + DuckDb.scan(file) + " LIMIT 0";
    try (Statement st = conn.createStatement();
        DuckDBResultSet rs = st.executeQuery(sql).unwrap(DuckDBResultSet.class);
        ArrowReader reader = (ArrowReader) rs.arrowExportStream(allocator, 1)) {
      return reader.getVectorSchemaRoot().getSchema();
    } catch (SQLException | IOException | RuntimeException e) {
      throw DataErrors.invalidData(file, unreadable(file), e);
    }
  }

  /**
   * The number of rows. Parquet answers from its footer ({@code parquet_file_metadata}); CSV is
   * scanned once by DuckDB, streaming, without materializing rows.
   */
  static long rowCount(DuckDBConnection conn, DatasetSource.File file) {
    String path = DuckDb.literal(file.path().toString());
    String sql =
        switch (file.format()) {
          case PARQUET ->
              "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata(" + path + ")";
          case CSV -> "SELECT count(*) FROM " + DuckDb.scan(file);
          case ARROW_FILE, ARROW_STREAM -> throw new IllegalArgumentException(file.describe());
        };
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException | RuntimeException e) {
      throw DataErrors.invalidData(file, unreadable(file), e);
    }
  }

  /**
   * Streams {@code SELECT <select> FROM <file>} in Arrow batches of {@code batchRows}. The returned
   * batches own {@code conn} and close it last.
   */
  static RawBatches stream(
      DuckDBConnection conn,
      DatasetSource.File file,
      BufferAllocator allocator,
      String select,
      int batchRows) {
    String sql = "SELECT " + select + " FROM " + DuckDb.scan(file);
    Statement st = null;
    DuckDBResultSet rs = null;
    ArrowReader reader = null;
    try {
      st = conn.createStatement();
      rs = st.executeQuery(sql).unwrap(DuckDBResultSet.class);
      reader = (ArrowReader) rs.arrowExportStream(allocator, batchRows);
      return new ArrowReaderBatches(reader, rs, st, conn);
    } catch (SQLException | IOException | RuntimeException e) {
      if (reader == null) {
        // ArrowReaderBatches closes what it was given, even when it fails
        for (AutoCloseable c : new AutoCloseable[] {rs, st, conn}) {
          try {
            if (c != null) {
              c.close();
            }
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
      }
      throw DataErrors.invalidData(file, unreadable(file), e);
    }
  }

  private static String unreadable(DatasetSource.File file) {
    return switch (file.format()) {
      case CSV -> "could not be read as CSV (with a header row)";
      case PARQUET -> "could not be read as Parquet";
      case ARROW_FILE, ARROW_STREAM -> "could not be read";
    };
  }
}
