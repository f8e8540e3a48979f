package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The distinct join keys of one party's input, numbered 0, 1, 2, ... in order of first occurrence,
 * and optionally, for every input row, the number of its key. Every PSI party blinds its distinct
 * keys only, so that the peer learns how many different keys it holds and nothing about how often
 * each occurs; the receiver maps its results back to rows through {@link #keyOfRow}.
 *
 * <p>A row whose key is {@code null} (the caller found a null or blank key column) is
 * <em>skipped</em>: it has no key, matches nothing, and is only counted ({@link #skippedRows}).
 *
 * <p>Memory: the key bytes (plus a 2-byte length) in 4 MiB chunks, 8 bytes of position and 4 of
 * hash per distinct key, a hash index of 4 bytes per slot at load at most 1/2, and 4 bytes per
 * input row when rows are mapped. Immutable once collected, so parallel tasks may read keys
 * concurrently.
 */
public final class DistinctKeys {
  /** The longest encoded key a party accepts (the length is stored in two bytes). */
  public static final int MAX_KEY_BYTES = 65_535;

  /** What {@link #keyOfRow} returns for a skipped row. */
  public static final int SKIPPED = -1;

  private static final int CHUNK_BITS = 22;
  private static final int CHUNK_BYTES = 1 << CHUNK_BITS;

  private byte[][] chunks = new byte[4][];
  private int chunkCount;
  private int chunkFill;
  private long[] positions;
  private int[] hashes;
  private int[] slots; // id + 1, 0 = empty
  private int size;
  private final int[] rowKeys;
  private long rows;
  private long skipped;

  /** Sized for {@code expected} distinct keys, so that collecting them copies no array. */
  private DistinctKeys(int[] rowKeys, int expected) {
    this.rowKeys = rowKeys;
    int capacity = Math.max(16, expected);
    this.positions = new long[capacity];
    this.hashes = new int[capacity];
    this.slots = new int[(int) Math.min(1 << 30, Long.highestOneBit(2L * capacity - 1) << 1)];
  }

  /**
   * Reads exactly {@code rowCount} keys from {@code keys} ({@code null} for a skipped row).
   *
   * @param mapRows whether to keep the key number of every row (the receiver needs it to map
   *     matches back to rows; the sender does not)
   * @throws SluiceException INVALID_ARGUMENT if the input does not have {@code rowCount} rows, has
   *     more than {@link PsiConfig#MAX_ROWS}, or a key longer than {@link #MAX_KEY_BYTES}
   */
  public static DistinctKeys collect(long rowCount, Iterator<byte[]> keys, boolean mapRows) {
    if (rowCount < 0 || rowCount > PsiConfig.MAX_ROWS) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED,
          "a PSI input holds at most " + PsiConfig.MAX_ROWS + " rows per session, not " + rowCount);
    }
    DistinctKeys d = new DistinctKeys(mapRows ? new int[(int) rowCount] : null, (int) rowCount);
    for (long r = 0; r < rowCount; r++) {
      if (!keys.hasNext()) {
        throw shortInput();
      }
      int id = d.add(keys.next());
      if (d.rowKeys != null) {
        d.rowKeys[(int) r] = id;
      }
    }
    if (keys.hasNext()) {
      throw shortInput();
    }
    return d;
  }

  /** {@link #collect} of an in-memory list (tests and small inputs). */
  public static DistinctKeys of(java.util.List<byte[]> keys, boolean mapRows) {
    return collect(keys.size(), keys.iterator(), mapRows);
  }

  /** The number of distinct keys. */
  public int size() {
    return size;
  }

  /** The number of input rows, skipped ones included. */
  public long rows() {
    return rows;
  }

  /** Rows without a key (null or blank): they match nothing. */
  public long skippedRows() {
    return skipped;
  }

  /** Whether {@link #keyOfRow} is available. */
  public boolean mapsRows() {
    return rowKeys != null;
  }

  /** The number of the key of input row {@code row}, or {@link #SKIPPED}. */
  public int keyOfRow(int row) {
    if (rowKeys == null) {
      throw new IllegalStateException("rows were not mapped");
    }
    return rowKeys[row];
  }

  /** A copy of key number {@code id}. */
  public byte[] key(int id) {
    java.util.Objects.checkIndex(id, size);
    long p = positions[id];
    byte[] chunk = chunks[(int) (p >>> 32)];
    int off = (int) p;
    int len = ((chunk[off] & 0xff) << 8) | (chunk[off + 1] & 0xff);
    return Arrays.copyOfRange(chunk, off + 2, off + 2 + len);
  }

  private int add(byte[] key) {
    rows++;
    if (key == null) {
      skipped++;
      return SKIPPED;
    }
    if (key.length > MAX_KEY_BYTES) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "a PSI key is longer than " + MAX_KEY_BYTES + " bytes once encoded");
    }
    int h = hash(key);
    int mask = slots.length - 1;
    int s = h & mask;
    while (true) {
      int id = slots[s] - 1;
      if (id < 0) {
        break;
      }
      if (hashes[id] == h && equalsStored(id, key)) {
        return id;
      }
      s = (s + 1) & mask;
    }
    int id = size;
    if (id == PsiConfig.MAX_ROWS) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED,
          "a PSI input holds at most " + PsiConfig.MAX_ROWS + " distinct keys per session");
    }
    store(id, key, h);
    slots[s] = id + 1;
    size++;
    if (2L * size > slots.length) {
      grow();
    }
    return id;
  }

  private void store(int id, byte[] key, int h) {
    int need = key.length + 2;
    if (chunkCount == 0 || chunkFill + need > CHUNK_BYTES) {
      if (chunkCount == chunks.length) {
        chunks = Arrays.copyOf(chunks, chunkCount * 2);
      }
      chunks[chunkCount++] = new byte[CHUNK_BYTES];
      chunkFill = 0;
    }
    byte[] chunk = chunks[chunkCount - 1];
    chunk[chunkFill] = (byte) (key.length >>> 8);
    chunk[chunkFill + 1] = (byte) key.length;
    System.arraycopy(key, 0, chunk, chunkFill + 2, key.length);
    if (id == positions.length) {
      int n = (int) Math.min((long) PsiConfig.MAX_ROWS, 2L * positions.length);
      positions = Arrays.copyOf(positions, n);
      hashes = Arrays.copyOf(hashes, n);
    }
    positions[id] = ((long) (chunkCount - 1) << 32) | chunkFill;
    hashes[id] = h;
    chunkFill += need;
  }

  private boolean equalsStored(int id, byte[] key) {
    long p = positions[id];
    byte[] chunk = chunks[(int) (p >>> 32)];
    int off = (int) p;
    int len = ((chunk[off] & 0xff) << 8) | (chunk[off + 1] & 0xff);
    return len == key.length && Arrays.equals(chunk, off + 2, off + 2 + len, key, 0, key.length);
  }

  private void grow() {
    if (slots.length >= 1 << 30) {
      return; // at MAX_ROWS keys the load stays below 1/2 of 2^30 slots
    }
    int[] bigger = new int[slots.length * 2];
    int mask = bigger.length - 1;
    for (int id = 0; id < size; id++) {
      int s = hashes[id] & mask;
      while (bigger[s] != 0) {
        s = (s + 1) & mask;
      }
      bigger[s] = id + 1;
    }
    slots = bigger;
  }

  /** FNV-1a over the bytes, then a 64-bit finalizer; keys are the party's own data. */
  private static int hash(byte[] key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : key) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) h;
  }

  private static SluiceException shortInput() {
    return new SluiceException(
        ErrorCode.INVALID_ARGUMENT, "the PSI input does not have the announced row count");
  }

  @Override
  public String toString() {
    return "DistinctKeys[" + size + " keys, " + rows + " rows, " + skipped + " skipped]";
  }
}
