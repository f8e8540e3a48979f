package io.sluice.psi;

/**
 * An open-addressing hash index of {@value PsiConfig#TAG_LENGTH}-byte match tags, for up to a fixed
 * number of entries numbered 0, 1, 2, ... in insertion order (for the receiver: its row indices).
 * Entries with equal tags form a chain; {@link #find} returns the chain's head, so a key counts
 * once however many rows carry it. About 26 bytes per entry (tag 12, chain 4, slot 8 at load 1/2,
 * hit bit). Not thread-safe: one driver thread owns it.
 */
final class TagIndex {
  private static final int TAG = PsiConfig.TAG_LENGTH;

  private final long[] hi;
  private final int[] lo;
  private final int[] next;
  private final int[] slots; // head entry + 1, 0 = empty
  private final long[] hit; // per head: matched already
  private final int mask;
  private int size;

  TagIndex(int capacity) {
    if (capacity < 0 || capacity > PsiConfig.MAX_ROWS) {
      // Above MAX_ROWS the slot table (at most 2^30) could fill up and probing would not end.
      throw new IllegalArgumentException("a tag index holds 0 to " + PsiConfig.MAX_ROWS + " tags");
    }
    this.hi = new long[capacity];
    this.lo = new int[capacity];
    this.next = new int[capacity];
    // Load factor at most 0.7 (linear probing stays short), and a power of two.
    long wanted = Math.max(4L, (long) Math.ceil(capacity / 0.7));
    int tableSize = (int) Math.min(1L << 30, Long.highestOneBit(wanted - 1) << 1);
    this.slots = new int[tableSize];
    this.mask = tableSize - 1;
    this.hit = new long[(capacity + 63) >>> 6];
  }

  int size() {
    return size;
  }

  /** Adds the tag at {@code src[off..off+12)}; returns its entry number. */
  int add(byte[] src, int off) {
    long h = readLong(src, off);
    int l = readInt(src, off + 8);
    if (size == hi.length) {
      throw new IllegalStateException("tag index full");
    }
    int e = size++;
    hi[e] = h;
    lo[e] = l;
    next[e] = -1;
    int s = slot(h);
    while (true) {
      int head = slots[s] - 1;
      if (head < 0) {
        slots[s] = e + 1;
        return e;
      }
      if (hi[head] == h && lo[head] == l) {
        next[e] = next[head];
        next[head] = e;
        return e;
      }
      s = (s + 1) & mask;
    }
  }

  /** The head entry of the chain with this tag, or -1. */
  int find(byte[] src, int off) {
    long h = readLong(src, off);
    int l = readInt(src, off + 8);
    int s = slot(h);
    while (true) {
      int head = slots[s] - 1;
      if (head < 0) {
        return -1;
      }
      if (hi[head] == h && lo[head] == l) {
        return head;
      }
      s = (s + 1) & mask;
    }
  }

  /** The next entry with the same tag after {@code entry}, or -1. */
  int next(int entry) {
    return next[entry];
  }

  /** Marks a head as matched; returns true the first time. */
  boolean markHit(int head) {
    long bit = 1L << head;
    long w = hit[head >>> 6];
    if ((w & bit) != 0) {
      return false;
    }
    hit[head >>> 6] = w | bit;
    return true;
  }

  boolean isHit(int head) {
    return (hit[head >>> 6] & (1L << head)) != 0;
  }

  private int slot(long h) {
    // Tags are pseudorandom; mixing still guards against structured input in tests.
    long x = h * 0x9E3779B97F4A7C15L;
    return (int) (x >>> 32) & mask;
  }

  static long readLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xffL);
    }
    return v;
  }

  static int readInt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24)
        | ((b[off + 1] & 0xff) << 16)
        | ((b[off + 2] & 0xff) << 8)
        | (b[off + 3] & 0xff);
  }

  @Override
  public String toString() {
    return "TagIndex[" + size + " of " + hi.length + "]";
  }
}
