package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.List;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The payload of a data frame: an Arrow IPC stream (schema message, exactly one record batch,
 * end-of-stream marker) written with {@link ArrowStreamWriter}. Two schemas, both non-nullable:
 *
 * <ul>
 *   <li>elements: one column {@code e FixedSizeBinary(w)} (w = 32 for X25519 values, 12 for tags,
 *       33 for P-256 elements);
 *   <li>label table rows: {@code tag FixedSizeBinary(12)}, {@code ct Binary} (sealed payloads).
 * </ul>
 *
 * Reading is strict: the schema must equal the expected one exactly, one batch of 1 to maxRows rows
 * with no nulls, then the end-of-stream marker and no trailing byte. Buffers are decoded under a
 * child allocator limited to a small multiple of the frame, so a lying length cannot make us
 * allocate more; every buffer is released before returning. Any failure is {@code
 * MALFORMED_MESSAGE}.
 */
final class ArrowFrames {
  static final String ELEMENT_COLUMN = "e";
  static final String TAG_COLUMN = "tag";
  static final String CIPHERTEXT_COLUMN = "ct";

  private static final int CONTINUATION = 0xFFFFFFFF;

  /** The end-of-stream marker: continuation, then a zero metadata length. */
  static final byte[] END_OF_STREAM = {-1, -1, -1, -1, 0, 0, 0, 0};

  private ArrowFrames() {}

  static Schema elementSchema(int width) {
    return new Schema(
        List.of(
            new Field(
                ELEMENT_COLUMN,
                new FieldType(false, new ArrowType.FixedSizeBinary(width), null),
                null)));
  }

  static Schema tableSchema() {
    return new Schema(
        List.of(
            new Field(
                TAG_COLUMN,
                new FieldType(false, new ArrowType.FixedSizeBinary(PsiConfig.TAG_LENGTH), null),
                null),
            new Field(
                CIPHERTEXT_COLUMN, new FieldType(false, ArrowType.Binary.INSTANCE, null), null)));
  }

  /** The IPC schema message of {@code schema} (continuation marker, length, flatbuffer). */
  static byte[] schemaMessage(Schema schema) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      MessageSerializer.serialize(new WriteChannel(Channels.newChannel(out)), schema);
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot write an Arrow schema", e);
    }
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** One batch of {@code count} elements of {@code width} bytes, packed in {@code packed}. */
  static byte[] writeElements(BufferAllocator allocator, byte[] packed, int count, int width) {
    if (count < 1 || packed.length < count * width) {
      throw new IllegalArgumentException("bad element batch");
    }
    try (VectorSchemaRoot root = VectorSchemaRoot.create(elementSchema(width), allocator)) {
      FixedSizeBinaryVector v = (FixedSizeBinaryVector) root.getVector(0);
      v.allocateNew(count);
      v.getDataBuffer().setBytes(0, packed, 0, (long) count * width);
      setAllValid(v.getValidityBuffer(), count);
      root.setRowCount(count);
      return write(root);
    }
  }

  /** Reads an element batch; returns the elements packed, {@code rows * width} bytes. */
  static byte[] readElements(BufferAllocator allocator, byte[] ipc, int width, int maxRows) {
    Schema expected = elementSchema(width);
    checkFramingStrictly(ipc, 1, 2);
    try (BufferAllocator child = child(allocator, ipc);
        ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(ipc), child)) {
      VectorSchemaRoot root = batch(reader, expected, maxRows);
      int rows = root.getRowCount();
      FixedSizeBinaryVector v = (FixedSizeBinaryVector) root.getVector(0);
      checkNoNulls(v.getNullCount());
      ArrowBuf data = v.getDataBuffer();
      if (data.capacity() < (long) rows * width) {
        throw malformed("element buffer shorter than its row count");
      }
      byte[] out = new byte[rows * width];
      data.getBytes(0, out, 0, out.length);
      end(reader, ipc.length);
      return out;
    } catch (SluiceException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw malformed("undecodable Arrow batch in a PSI frame");
    }
  }

  /** Rows [from, to) of a label table as one batch. */
  static byte[] writeTable(
      BufferAllocator allocator, byte[] tags, byte[][] ciphertexts, int from, int to) {
    int count = to - from;
    long ctBytes = 0;
    for (int i = from; i < to; i++) {
      ctBytes += ciphertexts[i].length;
    }
    try (VectorSchemaRoot root = VectorSchemaRoot.create(tableSchema(), allocator)) {
      FixedSizeBinaryVector tag = (FixedSizeBinaryVector) root.getVector(0);
      tag.allocateNew(count);
      tag.getDataBuffer()
          .setBytes(0, tags, from * PsiConfig.TAG_LENGTH, (long) count * PsiConfig.TAG_LENGTH);
      setAllValid(tag.getValidityBuffer(), count);
      VarBinaryVector ct = (VarBinaryVector) root.getVector(1);
      ct.allocateNew(ctBytes, count);
      for (int i = 0; i < count; i++) {
        ct.set(i, ciphertexts[from + i]);
      }
      root.setRowCount(count);
      return write(root);
    }
  }

  /** A decoded label table batch: tags packed, one ciphertext per row. */
  record TableBatch(byte[] tags, byte[][] ciphertexts) {
    int rows() {
      return ciphertexts.length;
    }
  }

  static TableBatch readTable(
      BufferAllocator allocator, byte[] ipc, int maxRows, int maxCiphertextBytes) {
    checkFramingStrictly(ipc, 2, 5);
    try (BufferAllocator child = child(allocator, ipc);
        ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(ipc), child)) {
      VectorSchemaRoot root = batch(reader, tableSchema(), maxRows);
      int rows = root.getRowCount();
      FixedSizeBinaryVector tag = (FixedSizeBinaryVector) root.getVector(0);
      VarBinaryVector ct = (VarBinaryVector) root.getVector(1);
      checkNoNulls(tag.getNullCount());
      checkNoNulls(ct.getNullCount());
      if (tag.getDataBuffer().capacity() < (long) rows * PsiConfig.TAG_LENGTH) {
        throw malformed("tag buffer shorter than its row count");
      }
      byte[] tags = new byte[rows * PsiConfig.TAG_LENGTH];
      tag.getDataBuffer().getBytes(0, tags, 0, tags.length);
      byte[][] cts = new byte[rows][];
      for (int i = 0; i < rows; i++) {
        long start = ct.getStartOffset(i);
        long end = ct.getEndOffset(i);
        if (end < start || end - start > maxCiphertextBytes) {
          throw malformed("sealed payload of a bad length");
        }
        cts[i] = ct.get(i);
      }
      end(reader, ipc.length);
      return new TableBatch(tags, cts);
    } catch (SluiceException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw malformed("undecodable Arrow batch in a PSI frame");
    }
  }

  private static byte[] write(VectorSchemaRoot root) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
      writer.start();
      writer.writeBatch();
      writer.end();
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot write an Arrow batch", e);
    }
    return out.toByteArray();
  }

  /**
   * Checks the IPC stream's structure before Arrow reads it: exactly a schema message, a record
   * batch message and the end-of-stream marker, each with the continuation marker; every metadata
   * and body length within the frame; a record batch of {@code nodes} columns and {@code buffers}
   * buffers, all nodes as long as the batch and without nulls, every buffer inside the body, no
   * compression. Arrow allocates a message's metadata on the heap at the size the stream claims,
   * and leaks its body buffer when loading a batch fails, so malformed structure must never reach
   * it: after this check, loading cannot fail on structure.
   */
  static void checkFraming(byte[] ipc, int nodes, int buffers) {
    ByteBuffer in = ByteBuffer.wrap(ipc).order(ByteOrder.LITTLE_ENDIAN);
    byte[] expected = {MessageHeader.Schema, MessageHeader.RecordBatch};
    for (byte header : expected) {
      if (in.remaining() < 8 || in.getInt() != CONTINUATION) {
        throw malformed("bad Arrow message framing in a PSI frame");
      }
      int metadataLength = in.getInt();
      if (metadataLength <= 0 || metadataLength > in.remaining() || metadataLength % 8 != 0) {
        throw malformed("bad Arrow metadata length in a PSI frame");
      }
      ByteBuffer metadata = in.slice().limit(metadataLength).order(ByteOrder.LITTLE_ENDIAN);
      Message message = Message.getRootAsMessage(metadata);
      long bodyLength = message.bodyLength();
      if (message.headerType() != header
          || bodyLength < 0
          || bodyLength > in.remaining() - metadataLength
          || (header == MessageHeader.Schema && bodyLength != 0)) {
        throw malformed("bad Arrow message in a PSI frame");
      }
      if (header == MessageHeader.RecordBatch) {
        RecordBatch batch = (RecordBatch) message.header(new RecordBatch());
        if (batch == null) {
          throw malformed("Arrow record batch without a header in a PSI frame");
        }
        checkBatch(batch, bodyLength, nodes, buffers);
      }
      in.position(in.position() + metadataLength + (int) bodyLength);
    }
    if (in.remaining() != 8 || in.getInt() != CONTINUATION || in.getInt() != 0) {
      throw malformed("PSI frame does not end with the Arrow end-of-stream marker");
    }
  }

  /**
   * The row count of the record batch in a data frame's payload, read from its metadata without
   * decoding (for audit entries); 0 when the payload is not a well-framed Arrow stream.
   */
  static long rowCount(byte[] ipc) {
    try {
      ByteBuffer in = ByteBuffer.wrap(ipc).order(ByteOrder.LITTLE_ENDIAN);
      for (int message = 0; message < 2; message++) {
        if (in.remaining() < 8 || in.getInt() != CONTINUATION) {
          return 0;
        }
        int metadataLength = in.getInt();
        if (metadataLength <= 0 || metadataLength > in.remaining()) {
          return 0;
        }
        ByteBuffer metadata = in.slice().limit(metadataLength).order(ByteOrder.LITTLE_ENDIAN);
        Message m = Message.getRootAsMessage(metadata);
        if (m.headerType() == MessageHeader.RecordBatch) {
          RecordBatch batch = (RecordBatch) m.header(new RecordBatch());
          return batch == null ? 0 : Math.max(0, batch.length());
        }
        long body = m.bodyLength();
        if (body < 0 || body > in.remaining() - metadataLength) {
          return 0;
        }
        in.position(in.position() + metadataLength + (int) body);
      }
      return 0;
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static void checkBatch(RecordBatch batch, long bodyLength, int nodes, int buffers) {
    long rows = batch.length();
    if (rows < 1
        || batch.nodesLength() != nodes
        || batch.buffersLength() != buffers
        || batch.compression() != null
        || batch.variadicBufferCountsLength() != 0) {
      throw malformed("Arrow record batch of an unexpected shape in a PSI frame");
    }
    for (int i = 0; i < nodes; i++) {
      FieldNode node = batch.nodes(i);
      if (node.length() != rows || node.nullCount() != 0) {
        throw malformed("Arrow column of an unexpected length in a PSI frame");
      }
    }
    for (int i = 0; i < buffers; i++) {
      Buffer b = batch.buffers(i);
      if (b.offset() < 0 || b.length() < 0 || b.offset() + b.length() > bodyLength) {
        throw malformed("Arrow buffer outside the message body in a PSI frame");
      }
    }
  }

  private static void checkFramingStrictly(byte[] ipc, int nodes, int buffers) {
    try {
      checkFraming(ipc, nodes, buffers);
    } catch (SluiceException e) {
      throw e;
    } catch (RuntimeException e) {
      throw malformed("undecodable Arrow message in a PSI frame");
    }
  }

  private static BufferAllocator child(BufferAllocator allocator, byte[] ipc) {
    // Decoded buffers never exceed the frame (plus alignment); refuse anything that claims more.
    long limit = 2L * ipc.length + 65_536;
    return allocator.newChildAllocator("psi-frame-decode", 0, limit);
  }

  private static VectorSchemaRoot batch(ArrowStreamReader reader, Schema expected, int maxRows)
      throws IOException {
    VectorSchemaRoot root = reader.getVectorSchemaRoot();
    if (!root.getSchema().equals(expected)) {
      throw malformed("PSI frame with an unexpected Arrow schema");
    }
    if (!reader.loadNextBatch()) {
      throw malformed("PSI frame without a record batch");
    }
    int rows = root.getRowCount();
    if (rows < 1 || rows > maxRows) {
      throw malformed("PSI batch of " + rows + " rows (allowed 1 to " + maxRows + ")");
    }
    return root;
  }

  private static void end(ArrowStreamReader reader, int length) throws IOException {
    if (reader.loadNextBatch()) {
      throw malformed("PSI frame with more than one record batch");
    }
    if (reader.bytesRead() != length) {
      throw malformed("trailing bytes after the Arrow stream in a PSI frame");
    }
  }

  private static void checkNoNulls(int nullCount) {
    if (nullCount != 0) {
      throw malformed("null value in a PSI batch");
    }
  }

  private static void setAllValid(ArrowBuf validity, int count) {
    for (int i = 0; i < count; i++) {
      BitVectorHelper.setBit(validity, i);
    }
  }

  private static SluiceException malformed(String message) {
    return new SluiceException(ErrorCode.MALFORMED_MESSAGE, message);
  }
}
