package io.sluice.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;

/**
 * Checks the framing of an Arrow IPC file or stream and counts its rows from message headers alone:
 * bodies are skipped, never read. Every length is checked against the file's size before anything
 * is allocated, so a corrupt or hostile file is INVALID_DATA instead of an attempt to allocate
 * whatever its first bytes say (arrow-vector's own message reader trusts them).
 */
final class IpcFraming {
  private static final int CONTINUATION = 0xFFFFFFFF;

  private IpcFraming() {}

  /** The number of rows; fails with INVALID_DATA when the framing is broken. */
  static long rowCount(DatasetSource.File file, BufferAllocator allocator) {
    try {
      return file.format() == DataFormat.ARROW_FILE ? fileRows(file, allocator) : streamRows(file);
    } catch (IOException | RuntimeException e) {
      if (e instanceof io.sluice.error.SluiceException s) {
        throw s;
      }
      throw DataErrors.invalidData(file, invalid(file), e);
    }
  }

  static String invalid(DatasetSource.File file) {
    return file.format() == DataFormat.ARROW_FILE
        ? "not a valid Arrow IPC file"
        : "not a valid Arrow IPC stream";
  }

  /** The footer (whose length arrow-vector checks) lists every record batch block. */
  private static long fileRows(DatasetSource.File file, BufferAllocator allocator)
      throws IOException {
    FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ);
    try (ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
      long size = channel.size();
      long rows = 0;
      for (ArrowBlock block : reader.getRecordBlocks()) {
        long end = block.getOffset() + block.getMetadataLength() + block.getBodyLength();
        if (block.getOffset() < 0
            || block.getMetadataLength() <= 0
            || block.getBodyLength() < 0
            || end > size) {
          throw DataErrors.invalidData(file, "a record batch lies outside the file");
        }
        channel.position(block.getOffset());
        rows += recordBatchLength(file, readMessage(file, channel));
      }
      return rows;
    }
  }

  /** Walks the stream's messages. */
  private static long streamRows(DatasetSource.File file) throws IOException {
    try (FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ)) {
      MessageMetadataResult first = readMessage(file, channel);
      if (first == null || first.headerType() != MessageHeader.Schema) {
        throw DataErrors.invalidData(file, "an Arrow IPC stream starts with a schema message");
      }
      long rows = 0;
      for (MessageMetadataResult m = first; m != null; m = readMessage(file, channel)) {
        long bodyEnd = channel.position() + m.getMessageBodyLength();
        if (m.getMessageBodyLength() < 0 || bodyEnd > channel.size()) {
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

  /**
   * Reads one message's metadata at the channel's position ({@code null} at the end-of-stream
   * marker or the end of the file), checking its length first.
   */
  private static MessageMetadataResult readMessage(DatasetSource.File file, FileChannel channel)
      throws IOException {
    long remaining = channel.size() - channel.position();
    if (remaining < 4) {
      return null;
    }
    int length = readInt(channel);
    if (length == CONTINUATION) {
      if (remaining < 8) {
        throw DataErrors.invalidData(file, "the Arrow IPC stream is truncated");
      }
      length = readInt(channel);
    }
    if (length == 0) {
      return null;
    }
    if (length < 0 || length > channel.size() - channel.position()) {
      throw DataErrors.invalidData(file, "an Arrow IPC message is longer than the file");
    }
    ByteBuffer metadata = ByteBuffer.allocate(length);
    while (metadata.hasRemaining()) {
      if (channel.read(metadata) < 0) {
        throw DataErrors.invalidData(file, "the Arrow IPC stream is truncated");
      }
    }
    metadata.flip();
    return MessageMetadataResult.create(metadata, length);
  }

  private static int readInt(FileChannel channel) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (channel.read(b) < 0) {
        throw new IOException("end of file inside a length");
      }
    }
    return b.getInt(0);
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
