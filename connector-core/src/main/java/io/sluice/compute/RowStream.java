package io.sluice.compute;

import io.sluice.data.BatchReader;
import io.sluice.data.DatasetSource;
import io.sluice.data.KeyExtractor;
import io.sluice.psi.LabelRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Streams a dataset's rows as PSI inputs — encoded join keys, or labelled rows (key and encoded
 * payload) — one Arrow batch at a time, so memory holds one batch whatever the dataset's size. A
 * row whose key has a null or blank part ({@link KeyExtractor#isMissing}) comes out with a {@code
 * null} key: PSI skips and counts it. Owns its reader: close it.
 */
public final class RowStream<T> implements Iterator<T>, AutoCloseable {
  private final BatchReader reader;
  private final Function<VectorSchemaRoot, List<T>> extract;
  private List<T> pending = List.of();
  private int next;
  private long rows;
  private boolean exhausted;

  private RowStream(BatchReader reader, Function<VectorSchemaRoot, List<T>> extract) {
    this.reader = reader;
    this.extract = extract;
  }

  /** The encoded keys of every row, in row order ({@code null} where the key is missing). */
  public static RowStream<byte[]> keys(
      DatasetSource source, BufferAllocator allocator, int batchRows, KeyExtractor keys) {
    List<String> columns = keys.columns().stream().map(KeyExtractor.KeyColumn::name).toList();
    BatchReader reader = BatchReader.open(source, allocator, batchRows, columns);
    return new RowStream<>(
        reader,
        batch -> {
          List<byte[]> out = new ArrayList<>(batch.getRowCount());
          keys.forEachKey(batch, (row, key, length) -> out.add(present(key, length)));
          return out;
        });
  }

  /** Every row as a label row: its encoded key and its payload columns encoded by {@code codec}. */
  public static RowStream<LabelRow> labelled(
      DatasetSource source,
      BufferAllocator allocator,
      int batchRows,
      KeyExtractor keys,
      PayloadCodec codec) {
    LinkedHashSet<String> columns = new LinkedHashSet<>();
    keys.columns().forEach(c -> columns.add(c.name()));
    codec.schema().getFields().forEach(f -> columns.add(f.getName()));
    BatchReader reader = BatchReader.open(source, allocator, batchRows, new ArrayList<>(columns));
    return new RowStream<>(
        reader,
        batch -> {
          List<LabelRow> out = new ArrayList<>(batch.getRowCount());
          keys.forEachKey(
              batch,
              (row, key, length) ->
                  out.add(new LabelRow(present(key, length), codec.encode(batch, row))));
          return out;
        });
  }

  private static byte[] present(byte[] key, int length) {
    return KeyExtractor.isMissing(key, length) ? null : Arrays.copyOf(key, length);
  }

  @Override
  public boolean hasNext() {
    while (next == pending.size() && !exhausted) {
      if (reader.loadNextBatch()) {
        pending = extract.apply(reader.root());
        next = 0;
      } else {
        exhausted = true;
      }
    }
    return next < pending.size();
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    rows++;
    return pending.get(next++);
  }

  /** Rows handed out so far. */
  public long rows() {
    return rows;
  }

  @Override
  public void close() {
    reader.close();
  }
}
