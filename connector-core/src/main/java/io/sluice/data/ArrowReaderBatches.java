package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Raw batches from an {@link ArrowReader} (Arrow IPC file or stream, or DuckDB's exported stream),
 * closing the reader and then whatever it reads from.
 */
final class ArrowReaderBatches implements RawBatches {
  private final ArrowReader reader;
  private final AutoCloseable[] underlying;
  private final Schema schema;

  /**
   * Takes ownership of {@code reader} and {@code underlying} (closed after the reader, in order),
   * even when reading the schema fails.
   */
  ArrowReaderBatches(ArrowReader reader, AutoCloseable... underlying) throws IOException {
    this.reader = reader;
    this.underlying = underlying;
    try {
      this.schema = reader.getVectorSchemaRoot().getSchema();
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public VectorSchemaRoot next() throws IOException {
    return reader.loadNextBatch() ? reader.getVectorSchemaRoot() : null;
  }

  @Override
  public Dictionary dictionary(long id) {
    return reader.lookup(id);
  }

  @Override
  public void close() {
    AutoCloseable[] all = new AutoCloseable[underlying.length + 1];
    all[0] = reader;
    System.arraycopy(underlying, 0, all, 1, underlying.length);
    try {
      AutoCloseables.close(all);
    } catch (Exception e) {
      throw new SluiceException(ErrorCode.IO_ERROR, "closing a dataset reader failed", e);
    }
  }
}
