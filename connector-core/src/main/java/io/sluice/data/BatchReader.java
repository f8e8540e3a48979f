package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;
import org.duckdb.DuckDBConnection;

/**
 * Streams a dataset as Arrow batches of at most {@code maxBatchRows} rows, optionally projected to
 * named columns. Like {@link ArrowReader}: {@link #loadNextBatch()} fills {@link #root()}, which
 * belongs to the reader, stays the same object, and is valid until the next call or {@link
 * #close()}. At any time the reader holds one source batch (as the source delivers it: an Arrow IPC
 * record batch, a DuckDB chunk of {@code maxBatchRows}, or {@code maxBatchRows} JDBC rows) and
 * zero-copy slices of it; dictionary-encoded columns are decoded, so the schema shows their value
 * types.
 *
 * <p>CSV and Parquet are read by an in-memory DuckDB that may open only this one file; the
 * projection is pushed into its query. All memory comes from the caller's allocator; closing the
 * reader releases everything it allocated, and its DuckDB or JDBC connection.
 *
 * <p>Failures to read the source are {@link ErrorCode#INVALID_DATA} naming the source; a projection
 * naming an unknown column is {@link ErrorCode#INVALID_ARGUMENT}.
 */
public final class BatchReader implements AutoCloseable {
  /** 64 Ki rows: a few MB for typical tables, the size Arrow streams fastest here. */
  public static final int DEFAULT_BATCH_ROWS = 65_536;

  private final DatasetSource source;
  private final BufferAllocator allocator;
  private final RawBatches raw;
  private final int maxRows;
  private final int[] columns;
  private final Schema schema;
  private final VectorSchemaRoot out;
  private final FieldVector[] sliceFrom;
  private final List<FieldVector> decoded = new ArrayList<>();
  private VectorSchemaRoot current;
  private int offset;
  private boolean emptyBatchEmitted;
  private boolean done;

  private BatchReader(
      DatasetSource source,
      BufferAllocator allocator,
      RawBatches raw,
      int maxRows,
      List<String> projection) {
    this.source = source;
    this.allocator = allocator;
    this.raw = raw;
    this.maxRows = maxRows;
    List<Field> rawFields = raw.schema().getFields();
    this.columns = resolve(source, rawFields, projection);
    List<Field> fields = new ArrayList<>(columns.length);
    for (int index : columns) {
      fields.add(decodedField(rawFields.get(index)));
    }
    this.schema = new Schema(fields, raw.schema().getCustomMetadata());
    this.sliceFrom = new FieldVector[columns.length];
    this.out = VectorSchemaRoot.create(schema, allocator);
  }

  /** All columns in batches of {@link #DEFAULT_BATCH_ROWS}. */
  public static BatchReader open(DatasetSource source, BufferAllocator allocator) {
    return open(source, allocator, DEFAULT_BATCH_ROWS, List.of());
  }

  /**
   * Opens {@code source} for streaming.
   *
   * @param maxBatchRows the most rows of any batch, at least 1
   * @param columns the columns to read, in this order; empty for all
   */
  public static BatchReader open(
      DatasetSource source, BufferAllocator allocator, int maxBatchRows, List<String> columns) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(allocator, "allocator");
    Objects.requireNonNull(columns, "columns");
    if (maxBatchRows < 1) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "maxBatchRows must be at least 1, got " + maxBatchRows);
    }
    Set<String> unique = new HashSet<>(columns);
    if (unique.size() != columns.size()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "the projection names a column twice: " + columns);
    }
    RawBatches raw = openRaw(source, allocator, maxBatchRows, columns);
    try {
      return new BatchReader(source, allocator, raw, maxBatchRows, columns);
    } catch (RuntimeException e) {
      try {
        raw.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The schema of every batch. */
  public Schema schema() {
    return schema;
  }

  /**
   * Loads the next batch into {@link #root()}.
   *
   * @return false at the end of the data
   */
  public boolean loadNextBatch() {
    if (done) {
      return false;
    }
    try {
      while (current == null || offset >= current.getRowCount()) {
        if (current != null && current.getRowCount() == 0 && !emptyBatchEmitted) {
          // the source's empty batches pass through, as empty batches
          out.clear();
          out.allocateNew();
          out.setRowCount(0);
          emptyBatchEmitted = true;
          return true;
        }
        releaseDecoded();
        current = raw.next();
        offset = 0;
        emptyBatchEmitted = false;
        if (current == null) {
          done = true;
          out.clear();
          return false;
        }
        bindColumns();
      }
      int rows = Math.min(maxRows, current.getRowCount() - offset);
      for (int i = 0; i < columns.length; i++) {
        FieldVector target = out.getVector(i);
        target.clear();
        TransferPair slice = sliceFrom[i].makeTransferPair(target);
        slice.splitAndTransfer(offset, rows);
      }
      out.setRowCount(rows);
      offset += rows;
      return true;
    } catch (SluiceException e) {
      done = true;
      throw e;
    } catch (Exception e) {
      done = true;
      throw DataErrors.invalidData(source, "could not be read", e);
    }
  }

  /** The current batch; owned by this reader. */
  public VectorSchemaRoot root() {
    return out;
  }

  @Override
  public void close() {
    try {
      releaseDecoded();
      out.close();
    } finally {
      raw.close();
    }
  }

  private void bindColumns() {
    for (int i = 0; i < columns.length; i++) {
      FieldVector vector = current.getVector(columns[i]);
      DictionaryEncoding encoding = vector.getField().getDictionary();
      if (encoding == null) {
        sliceFrom[i] = vector;
      } else {
        Dictionary dictionary = raw.dictionary(encoding.getId());
        if (dictionary == null) {
          throw DataErrors.invalidData(
              source, "no dictionary " + encoding.getId() + " for column " + vector.getName());
        }
        FieldVector values = (FieldVector) DictionaryEncoder.decode(vector, dictionary, allocator);
        decoded.add(values);
        sliceFrom[i] = values;
      }
    }
  }

  private void releaseDecoded() {
    for (FieldVector v : decoded) {
      v.close();
    }
    decoded.clear();
  }

  private Field decodedField(Field field) {
    DictionaryEncoding encoding = field.getDictionary();
    if (encoding == null) {
      rejectNestedDictionaries(field);
      return field;
    }
    Dictionary dictionary = raw.dictionary(encoding.getId());
    if (dictionary == null) {
      throw DataErrors.invalidData(
          source, "no dictionary " + encoding.getId() + " for column " + field.getName());
    }
    Field values = dictionary.getVector().getField();
    rejectNestedDictionaries(values);
    return new Field(
        field.getName(),
        new FieldType(field.isNullable(), values.getType(), null, field.getMetadata()),
        values.getChildren());
  }

  private void rejectNestedDictionaries(Field field) {
    for (Field child : field.getChildren()) {
      if (child.getDictionary() != null) {
        throw DataErrors.invalidData(
            source,
            "column "
                + field.getName()
                + " has a dictionary-encoded child, which is not supported; decode it first");
      }
      rejectNestedDictionaries(child);
    }
  }

  /** Indexes of the projected columns in {@code fields}; all when the projection is empty. */
  private static int[] resolve(DatasetSource source, List<Field> fields, List<String> projection) {
    List<String> names = new ArrayList<>(fields.size());
    for (Field f : fields) {
      names.add(f.getName());
    }
    if (projection.isEmpty()) {
      int[] all = new int[fields.size()];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      return all;
    }
    List<String> missing = new ArrayList<>();
    int[] indexes = new int[projection.size()];
    for (int i = 0; i < indexes.length; i++) {
      String name = projection.get(i);
      int at = names.indexOf(name);
      if (at < 0) {
        missing.add(name);
      } else if (names.lastIndexOf(name) != at) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            source.describe() + ": the column name \"" + name + "\" is ambiguous");
      }
      indexes[i] = at;
    }
    if (!missing.isEmpty()) {
      throw DataErrors.missingColumns(source, missing, names);
    }
    return indexes;
  }

  private static RawBatches openRaw(
      DatasetSource source, BufferAllocator allocator, int maxRows, List<String> columns) {
    if (source instanceof DatasetSource.Jdbc jdbc) {
      try {
        return JdbcBatches.open(jdbc, allocator, maxRows);
      } catch (SQLException | IOException | RuntimeException e) {
        throw DataErrors.invalidData(source, "the query could not be run", e);
      }
    }
    DatasetSource.File file = (DatasetSource.File) source;
    DataErrors.checkReadable(file);
    return switch (file.format()) {
      case ARROW_FILE, ARROW_STREAM -> openIpc(file, allocator);
      case CSV, PARQUET -> openDuckDb(file, allocator, maxRows, columns);
    };
  }

  /**
   * The framing is checked first ({@link IpcFraming}: headers only), because arrow-vector's readers
   * allocate whatever length a corrupt file claims.
   */
  private static RawBatches openIpc(DatasetSource.File file, BufferAllocator allocator) {
    IpcFraming.rowCount(file, allocator);
    FileChannel channel;
    try {
      channel = FileChannel.open(file.path(), StandardOpenOption.READ);
    } catch (IOException e) {
      throw DataErrors.invalidData(file, "cannot be opened", e);
    }
    ArrowReader reader =
        file.format() == DataFormat.ARROW_FILE
            ? new ArrowFileReader(channel, allocator)
            : new ArrowStreamReader(channel, allocator);
    try {
      return new ArrowReaderBatches(reader, channel);
    } catch (IOException | RuntimeException e) {
      throw DataErrors.invalidData(
          file,
          file.format() == DataFormat.ARROW_FILE
              ? "not a valid Arrow IPC file"
              : "not a valid Arrow IPC stream",
          e);
    }
  }

  /**
   * Two queries on one connection: {@code LIMIT 0} learns the column names (so that a bad
   * projection is reported with the available names), then the projected query streams.
   */
  private static RawBatches openDuckDb(
      DatasetSource.File file, BufferAllocator allocator, int maxRows, List<String> columns) {
    DuckDBConnection conn;
    try {
      conn = DuckDb.open(List.of(file.path()));
    } catch (SQLException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "the embedded DuckDB could not start", e);
    }
    try {
      String select = "*";
      if (!columns.isEmpty()) {
        Schema all = DuckDbScan.schema(conn, file, allocator);
        List<Field> fields = all.getFields();
        resolve(file, fields, columns);
        List<String> quoted = new ArrayList<>();
        for (String c : columns) {
          quoted.add(DuckDb.identifier(c));
        }
        select = String.join(", ", quoted);
      }
      return DuckDbScan.stream(conn, file, allocator, select, maxRows);
    } catch (RuntimeException e) {
      try {
        conn.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}
