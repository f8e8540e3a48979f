package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes result batches to an Arrow IPC file or stream, Parquet or CSV, all or nothing: batches go
 * to a hidden temporary file in the target's directory, which {@link #commit()} syncs and renames
 * onto the target atomically. {@link #close()} without a commit, or any failure, deletes the
 * temporary file, so a failed computation leaves no output at all, not even a partial one.
 *
 * <pre>{@code
 * try (ResultWriter out = ResultWriter.open(target, schema, allocator)) {
 *   while (reader.loadNextBatch()) {
 *     out.write(reader.root());
 *   }
 *   out.commit();
 * }
 * }</pre>
 *
 * <p>A writer holds at most the batch being written (Parquet: see {@link ParquetSink}). It never
 * replaces an existing file. Not thread-safe.
 */
public final class ResultWriter implements AutoCloseable {
  private enum State {
    OPEN,
    COMMITTED,
    FAILED,
    CLOSED
  }

  private final Path target;
  private final Schema schema;
  private final Path temp;
  private final Path spill;
  private final BatchSink sink;
  private State state = State.OPEN;

  private ResultWriter(Path target, Schema schema, Path temp, Path spill, BatchSink sink) {
    this.target = target;
    this.schema = schema;
    this.temp = temp;
    this.spill = spill;
    this.sink = sink;
  }

  /** A writer whose format is given by the target's extension. */
  public static ResultWriter open(Path target, Schema schema, BufferAllocator allocator) {
    return open(target, DataFormat.fromFileName(target), schema, allocator);
  }

  /**
   * A writer of {@code format} to {@code target}, whose directory must exist and which must not.
   *
   * @throws SluiceException INVALID_ARGUMENT for a missing directory or a schema the format cannot
   *     hold, ALREADY_EXISTS when the target exists, IO_ERROR when the temporary file cannot be
   *     made
   */
  public static ResultWriter open(
      Path target, DataFormat format, Schema schema, BufferAllocator allocator) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(allocator, "allocator");
    Path absolute = target.toAbsolutePath().normalize();
    Path dir = absolute.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "the directory of " + absolute + " does not exist");
    }
    checkAbsent(absolute);
    for (Field f : schema.getFields()) {
      if (f.getDictionary() != null) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "column \"" + f.getName() + "\" is dictionary-encoded; write it decoded");
      }
    }
    if (format == DataFormat.CSV) {
      CsvSink.checkWritable(schema);
    }
    String name = "." + absolute.getFileName() + ".";
    Path temp = null;
    Path spill = null;
    try {
      temp = Files.createTempFile(dir, name, ".partial");
      BatchSink sink =
          switch (format) {
            case ARROW_FILE, ARROW_STREAM -> new IpcSink(temp, format, schema, allocator);
            case CSV -> new CsvSink(temp, schema);
            case PARQUET -> {
              spill = Files.createTempFile(dir, name, ".spill.arrows");
              yield new ParquetSink(spill, temp, schema, allocator);
            }
          };
      return new ResultWriter(absolute, schema, temp, spill, sink);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(temp, e);
      deleteQuietly(spill, e);
      if (e instanceof SluiceException s) {
        throw s;
      }
      throw new SluiceException(
          ErrorCode.IO_ERROR, "cannot start writing " + absolute + " in its directory", e);
    }
  }

  /** The final path. */
  public Path target() {
    return target;
  }

  /**
   * Appends a batch, which must have the writer's column names and types. The batch stays the
   * caller's.
   */
  public void write(VectorSchemaRoot batch) {
    Objects.requireNonNull(batch, "batch");
    checkState("write");
    checkSchema(batch.getSchema());
    try {
      sink.write(batch);
    } catch (IOException | RuntimeException e) {
      fail(e);
      throw new SluiceException(ErrorCode.IO_ERROR, "writing " + target + " failed", e);
    }
  }

  /**
   * Completes the file and moves it onto the target atomically. After a failure here the target is
   * untouched and no temporary file is left.
   */
  public void commit() {
    checkState("commit");
    try {
      sink.finish();
      checkAbsent(target);
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system cannot rename atomically", e);
      }
      state = State.COMMITTED;
      syncDirectory(target.getParent());
    } catch (IOException | RuntimeException e) {
      if (state != State.COMMITTED) {
        fail(e);
      }
      if (e instanceof SluiceException s) {
        throw s;
      }
      throw new SluiceException(ErrorCode.IO_ERROR, "completing " + target + " failed", e);
    }
  }

  /** Without a {@link #commit()}: abandons the output and deletes the temporary files. */
  @Override
  public void close() {
    if (state == State.OPEN) {
      fail(null);
    }
    state = State.CLOSED;
  }

  private void checkState(String operation) {
    if (state != State.OPEN) {
      throw new IllegalStateException(
          "cannot " + operation + " " + target + ": the writer is " + state);
    }
  }

  private void checkSchema(Schema got) {
    List<Field> want = schema.getFields();
    List<Field> have = got.getFields();
    boolean same = want.size() == have.size();
    for (int i = 0; same && i < want.size(); i++) {
      same =
          want.get(i).getName().equals(have.get(i).getName())
              && want.get(i).getType().equals(have.get(i).getType());
    }
    if (!same) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "a batch for " + target + " has columns " + have + ", not " + want);
    }
  }

  private void fail(Exception cause) {
    state = State.FAILED;
    sink.abort();
    deleteQuietly(temp, cause);
    deleteQuietly(spill, cause);
  }

  private static void checkAbsent(Path target) {
    if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new SluiceException(
          ErrorCode.ALREADY_EXISTS, target + " exists; a result never replaces a file");
    }
  }

  /** Makes the rename durable; best effort where a directory cannot be opened (not Linux). */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // the file itself is synced; only the rename's durability is at stake
    }
  }

  private static void deleteQuietly(Path p, Exception primary) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      if (primary != null) {
        primary.addSuppressed(e);
      }
    }
  }
}
