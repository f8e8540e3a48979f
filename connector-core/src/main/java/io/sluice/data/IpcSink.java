package io.sluice.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Arrow IPC file or stream. Each batch is loaded into the writer's own root by reference (no copy),
 * written, and released; nothing is held between batches.
 */
final class IpcSink implements BatchSink {
  private final FileChannel channel;
  private final VectorSchemaRoot sink;
  private final ArrowWriter writer;

  IpcSink(Path file, DataFormat format, Schema schema, BufferAllocator allocator)
      throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.WRITE);
    try {
      this.sink = VectorSchemaRoot.create(schema, allocator);
      this.writer =
          format == DataFormat.ARROW_FILE
              ? new ArrowFileWriter(sink, null, channel)
              : new ArrowStreamWriter(sink, null, channel);
      writer.start();
    } catch (IOException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  @Override
  public void write(VectorSchemaRoot batch) throws IOException {
    try (ArrowRecordBatch records = new VectorUnloader(batch).getRecordBatch()) {
      new VectorLoader(sink).load(records);
    }
    try {
      writer.writeBatch();
    } finally {
      sink.clear();
    }
  }

  @Override
  public void finish() throws IOException {
    try {
      writer.end();
      channel.force(true);
    } finally {
      abort();
    }
  }

  @Override
  public void abort() {
    try {
      if (writer != null) {
        writer.close(); // ends the file (if not yet ended) and closes the channel
      }
    } catch (RuntimeException ignored) {
      // abandoning or already failed; the file is deleted next
    }
    if (sink != null) {
      sink.close();
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // abandoning the file; it is deleted next
    }
  }
}
