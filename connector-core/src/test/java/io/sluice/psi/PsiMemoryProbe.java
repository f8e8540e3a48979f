package io.sluice.psi;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The heap that the receiver's inherent state takes at a given size, without the crypto (a {@code
 * main}, never a test): its distinct keys with the row map ({@link DistinctKeys}, here with 30-byte
 * keys, the encoding of a ten-character id and a date, every row a distinct key), the tag index of
 * psi / psi-cardinality (plus the matched-key bitmap), and for psi-label the index plus F(x) per
 * key. Run it with {@code -Xmx1g} and a row count to see whether that many receiver rows fit; see
 * docs/psi.md.
 *
 * <p>Arguments: {@code mode rows}, mode {@code psi} or {@code label}.
 */
public final class PsiMemoryProbe {
  private PsiMemoryProbe() {}

  public static void main(String[] args) {
    String mode = args[0];
    int n = Integer.parseInt(args[1]);
    long before = usedAfterGc();
    SplittableRandom random = new SplittableRandom(1);
    DistinctKeys keys =
        DistinctKeys.collect(
            n,
            new java.util.Iterator<byte[]>() {
              private int i;

              @Override
              public boolean hasNext() {
                return i < n;
              }

              @Override
              public byte[] next() {
                return String.format(Locale.ROOT, "1___X%09d1___2026-%06d", i++, i % 999_999)
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
              }
            },
            true);
    TagIndex index = new TagIndex(n);
    byte[] tag = new byte[PsiConfig.TAG_LENGTH];
    List<byte[]> outputs = new ArrayList<>();
    BitSet matched = new BitSet(n);
    int chunk = 1 << 20; // as LabelPsiReceiver stores F(x)
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < tag.length; j++) {
        tag[j] = (byte) random.nextInt();
      }
      index.add(tag, 0);
      if (i % 2 == 0) {
        matched.set(i);
      }
      if (mode.equals("label") && i % chunk == 0) {
        outputs.add(new byte[Math.min(chunk, n - i) * 32]);
      }
    }
    long after = usedAfterGc();
    System.out.printf(
        Locale.ROOT,
        "%s receiver state for %,d rows: %,d MiB live heap, %.1f bytes/row (max heap %,d MiB)%n",
        mode,
        n,
        (after - before) >> 20,
        (after - before) / (double) n,
        Runtime.getRuntime().maxMemory() >> 20);
    // Keep the structures reachable until measured.
    if (index.size() != n || keys.size() != n || outputs.size() < 0 || matched.cardinality() < 0) {
      throw new AssertionError();
    }
  }

  static long usedAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
