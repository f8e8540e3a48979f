package io.sluice.data;

import java.util.Objects;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What a probe learnt about a dataset without loading it: the Arrow schema its batches will have
 * (exactly the schema {@link BatchReader} yields without projection) and its number of rows.
 */
public record DatasetInfo(Schema schema, long rowCount) {
  public DatasetInfo {
    Objects.requireNonNull(schema, "schema");
    if (rowCount < 0) {
      throw new IllegalArgumentException("rowCount < 0");
    }
  }
}
