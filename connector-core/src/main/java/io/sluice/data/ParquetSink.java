package io.sluice.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.List;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.duckdb.DuckDBConnection;

/**
 * Parquet through DuckDB. DuckDB pulls an Arrow stream ({@code registerArrowStream} + {@code COPY
 * ... TO ... (FORMAT parquet)}) while {@link ResultWriter} is pushed batches, so the batches are
 * first spilled to an Arrow IPC stream file next to the target, and converted on {@link #finish()}:
 * DuckDB then reads the spill batch by batch. Memory stays at about one batch either way; the cost
 * is writing and reading the data once more on local disk. (Feeding DuckDB directly would need a
 * second thread blocked inside DuckDB's scan, handing batches across — more fragile for little
 * gain.)
 */
final class ParquetSink implements BatchSink {
  private final Path spill;
  private final Path parquet;
  private final BufferAllocator allocator;
  private final IpcSink spillSink;

  ParquetSink(Path spill, Path parquet, Schema schema, BufferAllocator allocator)
      throws IOException {
    this.spill = spill;
    this.parquet = parquet;
    this.allocator = allocator;
    this.spillSink = new IpcSink(spill, DataFormat.ARROW_STREAM, schema, allocator);
  }

  @Override
  public void write(VectorSchemaRoot batch) throws IOException {
    spillSink.write(batch);
  }

  @Override
  public void finish() throws IOException {
    spillSink.finish();
    try (ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator)) {
      ArrowStreamReader reader =
          new ArrowStreamReader(FileChannel.open(spill, StandardOpenOption.READ), allocator);
      try {
        // the exported stream owns the reader from here and closes it when released
        Data.exportArrayStream(allocator, reader, stream);
      } catch (RuntimeException e) {
        reader.close();
        throw e;
      }
      try (DuckDBConnection conn = DuckDb.open(List.of(parquet))) {
        conn.registerArrowStream("sluice_result", stream);
        DuckDb.execute(
            conn,
            "COPY (SELECT * FROM sluice_result) TO "
                + DuckDb.literal(parquet.toString())
                + " (FORMAT parquet, USE_TMP_FILE false)");
      } catch (SQLException e) {
        throw new IOException("DuckDB could not write Parquet", e);
      } finally {
        stream.release();
      }
    } finally {
      Files.deleteIfExists(spill);
    }
    try (FileChannel written = FileChannel.open(parquet, StandardOpenOption.WRITE)) {
      written.force(true);
    }
  }

  @Override
  public void abort() {
    spillSink.abort();
  }
}
