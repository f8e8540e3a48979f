package io.sluice.data;

import java.io.IOException;
import org.apache.arrow.vector.VectorSchemaRoot;

/** Where a {@link ResultWriter} puts batches: one temporary file, finished or abandoned. */
interface BatchSink {
  void write(VectorSchemaRoot batch) throws IOException;

  /** Completes the temporary file, flushed and synced to disk, and releases all resources. */
  void finish() throws IOException;

  /** Releases all resources; the caller deletes the files. Never throws. */
  void abort();
}
