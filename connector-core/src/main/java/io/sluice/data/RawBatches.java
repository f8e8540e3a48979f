package io.sluice.data;

import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Batches as a source yields them: any number of rows each, possibly dictionary-encoded. {@link
 * BatchReader} turns them into projected, decoded batches of bounded size.
 */
interface RawBatches extends AutoCloseable {

  /** The schema of every batch; dictionary-encoded fields carry their index type. */
  Schema schema();

  /**
   * The next batch, or {@code null} at the end. The root belongs to this source and is valid until
   * the next call or {@link #close()}.
   *
   * @throws Exception when the source cannot be read; the caller reports it as INVALID_DATA
   */
  VectorSchemaRoot next() throws Exception;

  /** The current dictionary with this id (for the batch last returned). */
  Dictionary dictionary(long id);

  @Override
  void close();
}
