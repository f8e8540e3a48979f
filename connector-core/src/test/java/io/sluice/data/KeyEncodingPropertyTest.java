package io.sluice.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.data.KeyExtractor.CaseRule;
import io.sluice.data.KeyExtractor.KeyColumn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The key encoding is injective on normalized tuples: decoding a key gives back exactly the tuple's
 * canonical text (null stays null), so two tuples share a key only if they are equal after
 * normalization. Strings are drawn from a mix of ASCII, white space, combining marks and letters
 * whose case or composition is tricky, so both the ASCII fast path and the general path run.
 */
class KeyEncodingPropertyTest {
  private static final List<CaseRule> RULES =
      List.of(CaseRule.PRESERVE, CaseRule.LOWER, CaseRule.UPPER);

  @Provide
  Arbitrary<List<List<String>>> tuples() {
    Arbitrary<String> s =
        Arbitraries.strings()
            .withChars("abAB ,\"|\t\u00a0")
            .withChars('\u0301', '\u0308', '\u00e9', '\u00df', '\u0130', '\u3000', '\u00c5')
            .withCharRange('\u0000', '\u007f')
            .ofMaxLength(6);
    Arbitrary<String> cell = Arbitraries.oneOf(s, Arbitraries.just(null), Arbitraries.just(""));
    return cell.list().ofSize(3).list().ofMinSize(1).ofMaxSize(40);
  }

  @Property(tries = 300)
  void decodingAKeyGivesBackTheNormalizedTuple(@ForAll("tuples") List<List<String>> rows) {
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

  @Property(tries = 200)
  void asciiFastPathAgreesWithTheReferenceNormalization(@ForAll("tuples") List<List<String>> rows) {
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
