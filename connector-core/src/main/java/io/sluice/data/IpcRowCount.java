package io.sluice.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;

/**
 * Counts the rows of an Arrow IPC file or stream from message headers alone: record batch bodies
 * are skipped, never read.
 */
final class IpcRowCount {
  private IpcRowCount() {}

  static long count(DatasetSource.File file, BufferAllocator allocator) {
    try {
      return file.format() == DataFormat.ARROW_FILE
          ? countFile(file, allocator)
          : countStream(file);
    } catch (IOException | RuntimeException e) {
      throw DataErrors.invalidData(
          file,
          file.format() == DataFormat.ARROW_FILE
              ? "not a valid Arrow IPC file"
              : "not a valid Arrow IPC stream",
          e);
    }
  }

  /** The footer lists every record batch; each batch's header holds its length. */
  private static long countFile(DatasetSource.File file, BufferAllocator allocator)
      throws IOException {
    FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ);
    try (ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
      long rows = 0;
      for (ArrowBlock block : reader.getRecordBlocks()) {
        channel.position(block.getOffset());
        rows += recordBatchLength(file, MessageSerializer.readMessage(new ReadChannel(channel)));
      }
      return rows;
    }
  }

  /** Walks the stream's messages, skipping every body. */
  private static long countStream(DatasetSource.File file) throws IOException {
    try (FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ)) {
      ReadChannel in = new ReadChannel(channel);
      MessageMetadataResult first = MessageSerializer.readMessage(in);
      if (first == null || first.headerType() != MessageHeader.Schema) {
        throw DataErrors.invalidData(file, "an Arrow IPC stream starts with a schema message");
      }
      long rows = 0;
      for (MessageMetadataResult m = first; m != null; m = MessageSerializer.readMessage(in)) {
        long bodyEnd = channel.position() + m.getMessageBodyLength();
        if (bodyEnd > channel.size()) {
          throw DataErrors.invalidData(file, "the Arrow IPC stream is truncated");
        }
        switch (m.headerType()) {
          case MessageHeader.Schema -> {
            if (m != first) {
              throw DataErrors.invalidData(file, "a second schema message in an Arrow IPC stream");
            }
          }
          case MessageHeader.RecordBatch -> rows += recordBatchLength(file, m);
          case MessageHeader.DictionaryBatch -> {}
          default ->
              throw DataErrors.invalidData(
                  file, "unexpected Arrow IPC message type " + m.headerType());
        }
        channel.position(bodyEnd);
      }
      return rows;
    }
  }

  private static long recordBatchLength(DatasetSource.File file, MessageMetadataResult m) {
    if (m == null || m.headerType() != MessageHeader.RecordBatch) {
      throw DataErrors.invalidData(file, "a record batch block does not hold a record batch");
    }
    RecordBatch batch = (RecordBatch) m.getMessage().header(new RecordBatch());
    if (batch == null || batch.length() < 0) {
      throw DataErrors.invalidData(file, "a record batch has no valid length");
    }
    return batch.length();
  }
}
