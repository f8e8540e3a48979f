package io.sluice.psi;

import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfServer;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The psi-label sender's precomputed table for one OPRF key epoch of one agreement and key
 * definition: one entry per <em>distinct</em> key of its rows, at a uniformly random position,
 * holding the match tag and the sealed entry — every payload of the rows with that key, padded to
 * one length for the whole table (see {@link LabelEntry} and {@link LabelCrypto}). Building it is
 * the expensive part of psi-label (one OPRF evaluation per distinct key); it can be built ahead of
 * time and reused by every session of the epoch. What reuse reveals is in docs/psi.md: within an
 * epoch tags are stable pseudonyms of the sender's keys, and a receiver's OPRF outputs stay valid
 * against every table of the epoch.
 *
 * <p>So a receiver learns of the sender's non-matching keys only how many there are and the one
 * padded entry length (the largest group of payloads): not their order (random positions), not how
 * often a key occurs, not a payload's length. Rows without a key (null or blank) are left out and
 * counted. The table records a commitment to the OPRF key (a hash of its public key), the agreement
 * id, the epoch and the key columns; {@link LabelPsiSender} refuses a table that does not match its
 * key and session. Memory: 12 bytes of tag plus the sealed entry (entry length + 28 bytes + array
 * header) per distinct key. Immutable.
 *
 * <p>Serialized form ({@link #writeTo}): an Arrow IPC stream with the schema {@code tag
 * FixedSizeBinary(12), ct Binary} (both non-null) whose schema metadata holds {@code
 * sluice.psi-label.table = 2}, {@code agreement}, {@code epoch}, {@code keys} (the key columns),
 * {@code rows}, {@code skipped} and {@code key} (hex commitment), then batches in position order.
 */
public final class SenderTable {
  /** The largest payload of one row, in bytes. */
  public static final int MAX_PAYLOAD_BYTES = LabelCrypto.MAX_PAYLOAD_BYTES;

  static final String FORMAT_KEY = "sluice.psi-label.table";
  private static final String FORMAT = "2";
  private static final int BUILD_BATCH = 16_384;
  private static final int WRITE_BATCH = 16_384;
  private static final int WRITE_BATCH_BYTES = 32 << 20;

  private final String agreementId;
  private final String keyEpoch;
  private final String keyColumns;
  private final byte[] keyCommitment;
  private final byte[] tags;
  private final byte[][] ciphertexts;
  private final PsiInput input;

  private SenderTable(
      String agreementId,
      String keyEpoch,
      String keyColumns,
      byte[] keyCommitment,
      byte[] tags,
      byte[][] ciphertexts,
      PsiInput input) {
    this.agreementId = agreementId;
    this.keyEpoch = keyEpoch;
    this.keyColumns = keyColumns;
    this.keyCommitment = keyCommitment;
    this.tags = tags;
    this.ciphertexts = ciphertexts;
    this.input = input;
  }

  /**
   * Builds the table: groups the rows by key, evaluates F(k, key) for every distinct key (in
   * parallel on {@code executor}), and places tag and sealed entry at a random position.
   *
   * @param keyColumns the agreement's canonical key columns (bound into every tag and key)
   * @param rowCount the number of rows {@code rows} yields
   * @throws SluiceException INVALID_ARGUMENT for a payload or a group of payloads that is too
   *     large; RESOURCE_EXHAUSTED when padding every entry to the largest group would not fit in
   *     memory
   */
  public static SenderTable build(
      OprfPrivateKey key,
      String agreementId,
      String keyEpoch,
      String keyColumns,
      long rowCount,
      Iterator<LabelRow> rows,
      Executor executor,
      SecureRandom random) {
    Objects.requireNonNull(key, "key");
    // Reuse the config's checks of the identifiers.
    PsiConfig ids =
        PsiConfig.builder(PsiMode.LABEL, agreementId, "table", keyColumns)
            .keyEpoch(keyEpoch)
            .build();
    Groups groups = Groups.collect(rowCount, rows);
    int n = groups.keys.size();
    int entryBytes = groups.entryBytes();
    requireMemory(n, entryBytes);
    int[] position = Tags.permutation(n, random);
    OprfServer server = new OprfServer(key);
    LabelCrypto crypto = new LabelCrypto(agreementId, keyEpoch, ids.keyBinding());
    byte[] tags = new byte[n * PsiConfig.TAG_LENGTH];
    byte[][] cts = new byte[n][];
    // Two batches in flight, so the cores never wait for the last chunk of a batch.
    java.util.ArrayDeque<CompletableFuture<Void>> inFlight = new java.util.ArrayDeque<>();
    for (int start = 0; start < n; start += BUILD_BATCH) {
      int base = start;
      int count = Math.min(BUILD_BATCH, n - start);
      inFlight.addLast(
          Parallel.forRanges(
              executor,
              count,
              Parallel.P256_CHUNK,
              (from, to) -> {
                List<byte[]> keys = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                  keys.add(groups.keys.key(base + i));
                }
                List<byte[]> outputs = server.evaluateAll(keys);
                for (int i = from; i < to; i++) {
                  int p = position[base + i];
                  byte[] f = outputs.get(i - from);
                  crypto.tag(f, tags, p * PsiConfig.TAG_LENGTH);
                  cts[p] = crypto.seal(f, groups.entry(base + i, entryBytes), p);
                }
              }));
      if (inFlight.size() > 1) {
        Parallel.join(inFlight.removeFirst());
      }
    }
    while (!inFlight.isEmpty()) {
      Parallel.join(inFlight.removeFirst());
    }
    return new SenderTable(
        agreementId, keyEpoch, keyColumns, commitment(key), tags, cts, PsiInput.of(groups.keys));
  }

  /** Refuses a table whose padded entries would take more than half of the heap. */
  private static void requireMemory(int entries, int entryBytes) {
    long bytes =
        (long) entries * (entryBytes + LabelCrypto.SEAL_OVERHEAD + 16 + PsiConfig.TAG_LENGTH);
    long budget = Runtime.getRuntime().maxMemory() / 2;
    if (bytes > budget) {
      throw new SluiceException(
          ErrorCode.RESOURCE_EXHAUSTED,
          "the psi-label table would need "
              + (bytes >> 20)
              + " MiB ("
              + entries
              + " entries padded to "
              + entryBytes
              + " bytes, the largest group of payloads); the node has "
              + (budget >> 20)
              + " MiB for it");
    }
  }

  /** The rows grouped by key: distinct keys, and each row's payload in a per-key list. */
  private static final class Groups {
    private final DistinctKeys keys;
    private final byte[][] payloads; // by row; null for a skipped row
    private final int[] start; // CSR: rows of key d are order[start[d] .. start[d+1])
    private final int[] order;

    private Groups(DistinctKeys keys, byte[][] payloads) {
      this.keys = keys;
      this.payloads = payloads;
      this.start = new int[keys.size() + 1];
      for (int r = 0; r < payloads.length; r++) {
        int d = keys.keyOfRow(r);
        if (d >= 0) {
          start[d + 1]++;
        }
      }
      for (int d = 0; d < keys.size(); d++) {
        start[d + 1] += start[d];
      }
      this.order = new int[start[keys.size()]];
      int[] fill = java.util.Arrays.copyOf(start, keys.size());
      for (int r = 0; r < payloads.length; r++) {
        int d = keys.keyOfRow(r);
        if (d >= 0) {
          order[fill[d]++] = r;
        }
      }
    }

    static Groups collect(long rowCount, Iterator<LabelRow> rows) {
      if (rowCount < 0 || rowCount > PsiConfig.MAX_ROWS) {
        throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "table row count out of range");
      }
      byte[][] payloads = new byte[(int) rowCount][];
      int[] row = {0};
      Iterator<byte[]> keys =
          new Iterator<>() {
            @Override
            public boolean hasNext() {
              return rows.hasNext();
            }

            @Override
            public byte[] next() {
              LabelRow r = Objects.requireNonNull(rows.next(), "row");
              if (r.payload().length > LabelCrypto.MAX_PAYLOAD_BYTES) {
                throw new SluiceException(
                    ErrorCode.INVALID_ARGUMENT,
                    "psi-label payload longer than " + LabelCrypto.MAX_PAYLOAD_BYTES + " bytes");
              }
              if (row[0] < payloads.length && r.key() != null) {
                payloads[row[0]] = r.payload();
              }
              row[0]++;
              return r.key();
            }
          };
      return new Groups(DistinctKeys.collect(rowCount, keys, true), payloads);
    }

    /** The length every entry is padded to: the largest group, encoded. */
    int entryBytes() {
      long largest = 4;
      for (int d = 0; d < keys.size(); d++) {
        long bytes = 0;
        for (int i = start[d]; i < start[d + 1]; i++) {
          bytes += payloads[order[i]].length;
        }
        largest = Math.max(largest, LabelEntry.encodedLength(start[d + 1] - start[d], bytes));
      }
      if (largest > LabelEntry.MAX_ENTRY_BYTES) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "the payloads of the rows sharing one key take "
                + largest
                + " bytes, more than the "
                + LabelEntry.MAX_ENTRY_BYTES
                + " a psi-label entry holds; reveal fewer columns or deduplicate the dataset");
      }
      return (int) largest;
    }

    /** The padded entry of key number {@code d}: its rows' payloads in row order. */
    byte[] entry(int d, int entryBytes) {
      List<byte[]> group = new ArrayList<>(start[d + 1] - start[d]);
      for (int i = start[d]; i < start[d + 1]; i++) {
        group.add(payloads[order[i]]);
      }
      return LabelEntry.encode(group, entryBytes);
    }
  }

  public String agreementId() {
    return agreementId;
  }

  public String keyEpoch() {
    return keyEpoch;
  }

  /** The key columns the table was built for. */
  public String keyColumns() {
    return keyColumns;
  }

  /** The number of entries: distinct keys. */
  public int rows() {
    return ciphertexts.length;
  }

  /** The rows the table was built from, those skipped for a missing key, and its distinct keys. */
  public PsiInput input() {
    return input;
  }

  /** Whether this table was built with {@code key}. */
  public boolean builtWith(OprfPrivateKey key) {
    return MessageDigest.isEqual(keyCommitment, commitment(key));
  }

  byte[] tags() {
    return tags;
  }

  byte[][] ciphertexts() {
    return ciphertexts;
  }

  /** Writes the serialized form (see the class comment). Does not close {@code out}. */
  public void writeTo(OutputStream out, BufferAllocator allocator) throws IOException {
    Schema schema =
        new Schema(
            ArrowFrames.tableSchema().getFields(),
            Map.of(
                FORMAT_KEY,
                FORMAT,
                "agreement",
                agreementId,
                "epoch",
                keyEpoch,
                "keys",
                keyColumns,
                "rows",
                Integer.toString(rows()),
                "input",
                input.rows() + "," + input.skippedRows(),
                "key",
                HexFormat.of().formatHex(keyCommitment)));
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowStreamWriter writer =
            new ArrowStreamWriter(root, null, Channels.newChannel(nonClosing(out)))) {
      writer.start();
      FixedSizeBinaryVector tag = (FixedSizeBinaryVector) root.getVector(0);
      VarBinaryVector ct = (VarBinaryVector) root.getVector(1);
      int from = 0;
      while (from < rows()) {
        // At most WRITE_BATCH rows and WRITE_BATCH_BYTES of sealed payloads per batch.
        int count = 0;
        long bytes = 0;
        while (from + count < rows()
            && count < WRITE_BATCH
            && (count == 0 || bytes + ciphertexts[from + count].length <= WRITE_BATCH_BYTES)) {
          bytes += ciphertexts[from + count].length;
          count++;
        }
        tag.reset();
        ct.reset();
        tag.allocateNew(count);
        ct.allocateNew(bytes, count);
        byte[] t = new byte[PsiConfig.TAG_LENGTH];
        for (int i = 0; i < count; i++) {
          System.arraycopy(tags, (from + i) * PsiConfig.TAG_LENGTH, t, 0, t.length);
          tag.set(i, t);
          ct.set(i, ciphertexts[from + i]);
        }
        root.setRowCount(count);
        writer.writeBatch();
        from += count;
      }
      writer.end();
    }
  }

  /**
   * Reads a serialized table, strictly: the exact schema, the format marker, a row count within
   * {@code maxRows} that the batches add up to, tags of 12 bytes, sealed payloads within the
   * maximum size. The stream is read message by message, each checked as a PSI frame is ({@link
   * ArrowFrames#checkFraming}) before Arrow decodes it, so a corrupted file can neither make Arrow
   * allocate what a lying length claims nor leak a buffer.
   *
   * @throws SluiceException INVALID_DATA for anything else, including a stream that cannot be read
   *     (the cause is kept)
   */
  public static SenderTable readFrom(InputStream in, BufferAllocator allocator, long maxRows) {
    try {
      DataInputStream din = new DataInputStream(in);
      RawMessage first = RawMessage.read(din);
      if (first == null || first.header() != MessageHeader.Schema || first.bodyLength() != 0) {
        throw invalid("not a psi-label sender table");
      }
      Schema schema = MessageSerializer.deserializeSchema(first.message());
      Map<String, String> meta = schema.getCustomMetadata();
      if (!schema.getFields().equals(ArrowFrames.tableSchema().getFields())
          || meta == null
          || !FORMAT.equals(meta.get(FORMAT_KEY))) {
        throw invalid("not a psi-label sender table");
      }
      long n;
      byte[] commitment;
      long inputRows;
      long skipped;
      try {
        n = Long.parseLong(meta.get("rows"));
        commitment = HexFormat.of().parseHex(meta.get("key"));
        String[] counts = meta.get("input").split(",", -1);
        inputRows = Long.parseLong(counts[0]);
        skipped = Long.parseLong(counts[1]);
      } catch (RuntimeException e) {
        throw invalid("bad psi-label table metadata");
      }
      if (inputRows < 0 || skipped < 0 || skipped > inputRows || n > inputRows - skipped) {
        throw invalid("bad psi-label table input counts");
      }
      if (n < 0 || n > maxRows || n > PsiConfig.MAX_ROWS || commitment.length != 32) {
        throw invalid("bad psi-label table size or key commitment");
      }
      String agreement = Objects.requireNonNullElse(meta.get("agreement"), "");
      String epoch = Objects.requireNonNullElse(meta.get("epoch"), "");
      String keys = Objects.requireNonNullElse(meta.get("keys"), "");
      try {
        PsiConfig.builder(PsiMode.LABEL, agreement, "table", keys).keyEpoch(epoch).build();
      } catch (SluiceException e) {
        throw invalid("bad psi-label table identifiers");
      }
      byte[] plainSchema = ArrowFrames.schemaMessage(ArrowFrames.tableSchema());
      byte[] tags = new byte[(int) n * PsiConfig.TAG_LENGTH];
      byte[][] cts = new byte[(int) n][];
      int read = 0;
      while (true) {
        RawMessage m = RawMessage.read(din);
        if (m == null) {
          break;
        }
        if (m.header() != MessageHeader.RecordBatch) {
          throw invalid("unexpected message in a psi-label table");
        }
        ArrowFrames.TableBatch batch;
        try {
          batch =
              ArrowFrames.readTable(
                  allocator,
                  ArrowFrames.concat(plainSchema, m.bytes(), ArrowFrames.END_OF_STREAM),
                  WRITE_BATCH,
                  LabelCrypto.MAX_CIPHERTEXT_BYTES);
        } catch (SluiceException e) {
          throw invalid("corrupt batch in a psi-label table");
        }
        if (read + (long) batch.rows() > n) {
          throw invalid("psi-label table longer than its row count");
        }
        for (int i = 0; i < batch.rows(); i++) {
          if (batch.ciphertexts()[i].length < LabelCrypto.SEAL_OVERHEAD) {
            throw invalid("sealed payload of a bad length in a psi-label table");
          }
          cts[read + i] = batch.ciphertexts()[i];
        }
        System.arraycopy(batch.tags(), 0, tags, read * PsiConfig.TAG_LENGTH, batch.tags().length);
        read += batch.rows();
      }
      if (read != n) {
        throw invalid("psi-label table shorter than its row count");
      }
      for (byte[] ct : cts) {
        if (ct.length != cts[0].length) {
          throw invalid("psi-label table entries of different lengths");
        }
      }
      return new SenderTable(
          agreement, epoch, keys, commitment, tags, cts, new PsiInput(inputRows, skipped, n));
    } catch (SluiceException e) {
      throw e.code() == ErrorCode.INVALID_DATA ? e : invalid("unreadable psi-label table");
    } catch (IOException | RuntimeException e) {
      // Truncation shows up as EOFException; an I/O failure of the stream lands here too.
      throw new SluiceException(ErrorCode.INVALID_DATA, "unreadable psi-label table", e);
    }
  }

  /**
   * One Arrow IPC message as it sits in a stream: continuation marker, metadata length, metadata,
   * body; lengths checked before anything is allocated (metadata at most 1 MiB, body at most 64
   * MiB). {@code read} returns null at the end-of-stream marker.
   */
  private record RawMessage(byte header, long bodyLength, Message message, byte[] bytes) {
    private static final int MAX_METADATA = 1 << 20;
    private static final int MAX_BODY = 64 << 20;

    static RawMessage read(DataInputStream in) throws IOException {
      int continuation = Integer.reverseBytes(in.readInt());
      if (continuation != 0xFFFFFFFF) {
        throw invalid("bad Arrow message framing in a psi-label table");
      }
      int metadataLength = Integer.reverseBytes(in.readInt());
      if (metadataLength == 0) {
        return null;
      }
      if (metadataLength < 0 || metadataLength > MAX_METADATA || metadataLength % 8 != 0) {
        throw invalid("bad Arrow metadata length in a psi-label table");
      }
      byte[] metadata = new byte[metadataLength];
      in.readFully(metadata);
      Message message =
          Message.getRootAsMessage(ByteBuffer.wrap(metadata).order(ByteOrder.LITTLE_ENDIAN));
      long bodyLength = message.bodyLength();
      if (bodyLength < 0 || bodyLength > MAX_BODY) {
        throw invalid("bad Arrow body length in a psi-label table");
      }
      byte[] bytes = new byte[8 + metadataLength + (int) bodyLength];
      ByteBuffer.wrap(bytes)
          .order(ByteOrder.LITTLE_ENDIAN)
          .putInt(continuation)
          .putInt(metadataLength)
          .put(metadata);
      in.readFully(bytes, 8 + metadataLength, (int) bodyLength);
      return new RawMessage(message.headerType(), bodyLength, message, bytes);
    }
  }

  private static SluiceException invalid(String message) {
    return new SluiceException(ErrorCode.INVALID_DATA, message);
  }

  static byte[] commitment(OprfPrivateKey key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("sluice/psi-label/key-commitment/v1".getBytes(StandardCharsets.US_ASCII));
      sha.update(key.publicKey());
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "SHA-256 unavailable", e);
    }
  }

  private static OutputStream nonClosing(OutputStream out) {
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }

  private static InputStream nonClosing(InputStream in) {
    return new java.io.FilterInputStream(in) {
      @Override
      public void close() {}
    };
  }

  @Override
  public String toString() {
    return "SenderTable[" + agreementId + ", epoch " + keyEpoch + ", " + rows() + " entries]";
  }
}
