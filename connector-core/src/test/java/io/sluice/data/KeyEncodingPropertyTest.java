package io.sluice.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.data.KeyExtractor.CaseRule;
import io.sluice.data.KeyExtractor.KeyColumn;
import io.sluice.testing.Property;
import io.sluice.testing.Property.Gen;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;

/**
 * The key encoding is injective on normalized tuples: decoding a key gives back exactly the tuple's
 * canonical text (null stays null), so two tuples share a key only if they are equal after
 * normalization. Strings are drawn from a mix of ASCII, white space, combining marks and letters
 * whose case or composition is tricky, so both the ASCII fast path and the general path run.
 */
class KeyEncodingPropertyTest {
  private static final List<CaseRule> RULES =
      List.of(CaseRule.PRESERVE, CaseRule.LOWER, CaseRule.UPPER);

  /** Separators, spaces and case pairs; combining marks and tricky letters; all of ASCII. */
  private static final String[] ALPHABETS = {
    "abAB ,\"|\t\u00a0", "\u0301\u0308\u00e9\u00df\u0130\u3000\u00c5", ascii()
  };

  private static String ascii() {
    StringBuilder s = new StringBuilder();
    for (char c = 0; c < 128; c++) {
      s.append(c);
    }
    return s.toString();
  }

  /** 1 to 40 rows of three cells: a short string, null or empty. */
  static List<List<String>> tuples(Gen g) {
    return g.list(1, 40, r -> r.list(3, 3, KeyEncodingPropertyTest::cell));
  }

  private static String cell(Gen g) {
    return switch (g.between(0, 2)) {
      case 0 -> g.string(0, 6, ALPHABETS);
      case 1 -> null;
      default -> "";
    };
  }

  @Test
  void decodingAKeyGivesBackTheNormalizedTuple() {
    Property.forAll(
        300,
        KeyEncodingPropertyTest::tuples,
        KeyEncodingPropertyTest::decodingAKeyGivesBackTheNormalizedTuple);
  }

  private static void decodingAKeyGivesBackTheNormalizedTuple(List<List<String>> rows) {
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = KeyExtractorTest.texts(allocator, rows)) {
      KeyExtractor k = extractor();
      List<byte[]> keys = new ArrayList<>();
      k.forEachKey(root, (row, bytes, length) -> keys.add(Arrays.copyOf(bytes, length)));
      for (int r = 0; r < rows.size(); r++) {
        assertThat(decode(keys.get(r))).isEqualTo(normalized(rows.get(r)));
      }
      for (int a = 0; a < rows.size(); a++) {
        for (int b = 0; b < rows.size(); b++) {
          boolean sameKey = Arrays.equals(keys.get(a), keys.get(b));
          assertThat(sameKey).isEqualTo(normalized(rows.get(a)).equals(normalized(rows.get(b))));
        }
      }
    }
  }

  @Test
  void asciiFastPathAgreesWithTheReferenceNormalization() {
    Property.forAll(
        200,
        KeyEncodingPropertyTest::tuples,
        KeyEncodingPropertyTest::asciiFastPathAgreesWithTheReferenceNormalization);
  }

  private static void asciiFastPathAgreesWithTheReferenceNormalization(List<List<String>> rows) {
    // the reference: normalize() on every cell, then the documented framing
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = KeyExtractorTest.texts(allocator, rows)) {
      KeyExtractor k = extractor();
      for (int r = 0; r < rows.size(); r++) {
        assertThat(k.key(root, r)).isEqualTo(reference(rows.get(r)));
      }
    }
  }

  private static KeyExtractor extractor() {
    List<KeyColumn> cols = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      cols.add(new KeyColumn("c" + c, RULES.get(c)));
    }
    return KeyExtractor.of(cols);
  }

  private static List<String> normalized(List<String> row) {
    List<String> out = new ArrayList<>();
    for (int c = 0; c < row.size(); c++) {
      String s = row.get(c);
      out.add(s == null ? null : KeyExtractor.normalize(s, RULES.get(c)));
    }
    return out;
  }

  private static byte[] reference(List<String> row) {
    ByteBuffer out = ByteBuffer.allocate(4096);
    for (String s : normalized(row)) {
      if (s == null) {
        out.put(KeyExtractor.NULL);
      } else {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.put(KeyExtractor.TEXT).putInt(utf8.length).put(utf8);
      }
    }
    return Arrays.copyOf(out.array(), out.position());
  }

  /** Parses a key back into its cells; fails on any byte that does not fit the framing. */
  private static List<String> decode(byte[] key) {
    ByteBuffer in = ByteBuffer.wrap(key);
    List<String> cells = new ArrayList<>();
    while (in.hasRemaining()) {
      byte tag = in.get();
      if (tag == KeyExtractor.NULL) {
        cells.add(null);
      } else {
        assertThat(tag).isEqualTo(KeyExtractor.TEXT);
        byte[] text = new byte[in.getInt()];
        in.get(text);
        cells.add(new String(text, StandardCharsets.UTF_8));
      }
    }
    return cells;
  }
}
