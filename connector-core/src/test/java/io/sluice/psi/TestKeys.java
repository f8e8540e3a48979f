package io.sluice.psi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Random join keys and the plain join they must reproduce. */
final class TestKeys {
  private static final String[] ALPHABET = {
    "a", "Z", "0", "9", " ", "-", "ü", "ß", "é", "e\u0301", "李", "名", "Ω", "🙂", "\u0000", "|"
  };

  private TestKeys() {}

  /**
   * A simple, unambiguous multi-column encoding: each column NFC-normalized, UTF-8, prefixed with
   * its length (u32). Stands in for the KeyExtractor.
   */
  static byte[] encode(String... columns) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String c : columns) {
      byte[] b = Normalizer.normalize(c, Normalizer.Form.NFC).getBytes(StandardCharsets.UTF_8);
      out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  static String randomString(Random r, int maxLength) {
    StringBuilder s = new StringBuilder();
    int n = r.nextInt(maxLength + 1);
    for (int i = 0; i < n; i++) {
      s.append(ALPHABET[r.nextInt(ALPHABET.length)]);
    }
    return s.toString();
  }

  /** A pool of distinct random keys with 1 to 3 columns. */
  static List<byte[]> pool(Random r, int size) {
    Set<ByteBuffer> seen = new HashSet<>();
    List<byte[]> out = new ArrayList<>();
    while (out.size() < size) {
      int columns = 1 + r.nextInt(3);
      String[] cs = new String[columns];
      for (int i = 0; i < columns; i++) {
        cs[i] = randomString(r, 8);
      }
      byte[] k = encode(cs);
      if (seen.add(ByteBuffer.wrap(k))) {
        out.add(k);
      }
    }
    return out;
  }

  /** {@code n} keys drawn with replacement from {@code pool} (so duplicates occur). */
  static List<byte[]> draw(Random r, List<byte[]> pool, int n) {
    List<byte[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(pool.get(r.nextInt(pool.size())));
    }
    return out;
  }

  /** As {@link #draw}, with about one row in ten without a key ({@code null}: skipped). */
  static List<byte[]> drawWithGaps(Random r, List<byte[]> pool, int n) {
    List<byte[]> out = draw(r, pool, n);
    for (int i = 0; i < n; i++) {
      if (r.nextInt(10) == 0) {
        out.set(i, null);
      }
    }
    return out;
  }

  private static Set<ByteBuffer> keySet(List<byte[]> keys) {
    Set<ByteBuffer> s = new HashSet<>();
    for (byte[] k : keys) {
      if (k != null) {
        s.add(ByteBuffer.wrap(k));
      }
    }
    return s;
  }

  /** Receiver rows whose key is among the sender's keys, ascending; rows without a key never. */
  static int[] matchedRows(List<byte[]> receiver, List<byte[]> sender) {
    Set<ByteBuffer> s = keySet(sender);
    List<Integer> rows = new ArrayList<>();
    for (int i = 0; i < receiver.size(); i++) {
      if (receiver.get(i) != null && s.contains(ByteBuffer.wrap(receiver.get(i)))) {
        rows.add(i);
      }
    }
    return rows.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Distinct keys in both. */
  static long intersectionSize(List<byte[]> receiver, List<byte[]> sender) {
    Set<ByteBuffer> both = keySet(receiver);
    both.retainAll(keySet(sender));
    return both.size();
  }

  /** Distinct keys of one side. */
  static long distinct(List<byte[]> keys) {
    return keySet(keys).size();
  }

  /** Rows without a key. */
  static long skipped(List<byte[]> keys) {
    return keys.stream().filter(k -> k == null).count();
  }

  /** Sender rows by key, in row order (rows without a key left out). */
  static Map<ByteBuffer, List<Integer>> rowsByKey(List<byte[]> keys) {
    Map<ByteBuffer, List<Integer>> m = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      if (keys.get(i) != null) {
        m.computeIfAbsent(ByteBuffer.wrap(keys.get(i)), k -> new ArrayList<>()).add(i);
      }
    }
    return m;
  }
}
