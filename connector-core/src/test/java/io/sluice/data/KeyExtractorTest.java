package io.sluice.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.data.KeyExtractor.CaseRule;
import io.sluice.data.KeyExtractor.KeyColumn;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TimeStampMilliTZVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KeyExtractorTest {
  private BufferAllocator allocator;

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void tearDown() {
    allocator.close();
  }

  /** A root of text columns c0, c1, ... holding {@code rows} (null cells allowed). */
  static VectorSchemaRoot texts(BufferAllocator allocator, List<List<String>> rows) {
    int width = rows.get(0).size();
    List<Field> fields = new ArrayList<>();
    for (int c = 0; c < width; c++) {
      fields.add(new Field("c" + c, FieldType.nullable(ArrowType.Utf8.INSTANCE), null));
    }
    VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields), allocator);
    for (int c = 0; c < width; c++) {
      VarCharVector v = (VarCharVector) root.getVector(c);
      for (int r = 0; r < rows.size(); r++) {
        String s = rows.get(r).get(c);
        if (s == null) {
          v.setNull(r);
        } else {
          v.setSafe(r, s.getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    root.setRowCount(rows.size());
    return root;
  }

  private byte[] key(KeyExtractor extractor, String... row) {
    try (VectorSchemaRoot root = texts(allocator, List.of(Arrays.asList(row)))) {
      return extractor.key(root, 0);
    }
  }

  private static KeyExtractor textKey(int width, CaseRule rule) {
    List<KeyColumn> cols = new ArrayList<>();
    for (int c = 0; c < width; c++) {
      cols.add(new KeyColumn("c" + c, rule));
    }
    return KeyExtractor.of(cols);
  }

  @Test
  void nfcAndNfdSpellingsEncodeAlike() {
    KeyExtractor k = textKey(1, CaseRule.PRESERVE);
    assertThat(key(k, "Zo\u00eb \u00dcnal")).isEqualTo(key(k, "Zoe\u0308 U\u0308nal"));
    assertThat(key(k, "Zo\u00eb")).isNotEqualTo(key(k, "Zoe"));
  }

  @Test
  void trimsUnicodeWhiteSpaceIncludingNoBreakSpaces() {
    KeyExtractor k = textKey(1, CaseRule.PRESERVE);
    assertThat(key(k, " \t alice\u00a0\u3000\n")).isEqualTo(key(k, "alice"));
    assertThat(key(k, "al ice")).isNotEqualTo(key(k, "alice"));
  }

  @Test
  void caseRulesApplyPerColumn() {
    KeyExtractor mixed =
        KeyExtractor.of(
            new KeyColumn("c0", CaseRule.LOWER), new KeyColumn("c1", CaseRule.PRESERVE));
    assertThat(key(mixed, "Alice@Example.ORG", "X"))
        .isEqualTo(key(mixed, "alice@example.org", "X"));
    assertThat(key(mixed, "a", "X")).isNotEqualTo(key(mixed, "a", "x"));
    KeyExtractor upper = textKey(1, CaseRule.UPPER);
    assertThat(key(upper, "stra\u00dfe")).isEqualTo(key(upper, "STRASSE"));
    KeyExtractor lower = textKey(1, CaseRule.LOWER);
    assertThat(key(lower, "\u00c9COLE")).isEqualTo(key(lower, "e\u0301cole"));
  }

  @Test
  void columnBoundariesAreUnambiguous() {
    KeyExtractor k = textKey(2, CaseRule.PRESERVE);
    assertThat(key(k, "ab", "c")).isNotEqualTo(key(k, "a", "bc"));
    assertThat(key(k, "a", "")).isNotEqualTo(key(k, "", "a"));
  }

  @Test
  void aKeyWithANullOrBlankPartIsMissing() {
    KeyExtractor k = textKey(2, CaseRule.PRESERVE);
    for (String[] row :
        List.of(
            new String[] {null, "2026-01-01"},
            new String[] {"X1", null},
            new String[] {"", "2026-01-01"},
            new String[] {" \u00a0\t", "2026-01-01"},
            new String[] {"X1", "   "})) {
      byte[] key = key(k, row);
      assertThat(KeyExtractor.isMissing(key, key.length)).as(Arrays.toString(row)).isTrue();
    }
    byte[] whole = key(k, "X1", "2026-01-01");
    assertThat(KeyExtractor.isMissing(whole, whole.length)).isFalse();
    byte[] oneChar = key(k, "0", "-");
    assertThat(KeyExtractor.isMissing(oneChar, oneChar.length)).isFalse();
  }

  @Test
  void nullIsNotTheEmptyString() {
    KeyExtractor k = textKey(1, CaseRule.PRESERVE);
    assertThat(key(k, (String) null)).containsExactly(0x00);
    assertThat(key(k, "")).containsExactly(0x01, 0, 0, 0, 0);
    assertThat(key(k, "   ")).containsExactly(0x01, 0, 0, 0, 0);
    assertThat(key(k, "ab")).containsExactly(0x01, 0, 0, 0, 2, 'a', 'b');
  }

  @Test
  void numbersAndTimestampsEncodeTheirValueNotTheirArrowType() {
    Schema schema =
        new Schema(
            List.of(
                new Field("big", FieldType.nullable(new ArrowType.Int(64, true)), null),
                new Field("int", FieldType.nullable(new ArrowType.Int(32, true)), null),
                new Field("text", FieldType.nullable(ArrowType.Utf8.INSTANCE), null),
                new Field("dec", FieldType.nullable(new ArrowType.Decimal(10, 2, 128)), null),
                new Field(
                    "ms",
                    FieldType.nullable(new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC")),
                    null),
                new Field(
                    "us",
                    FieldType.nullable(
                        new ArrowType.Timestamp(TimeUnit.MICROSECOND, "Europe/Berlin")),
                    null)));
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      ((BigIntVector) root.getVector("big")).setSafe(0, 42);
      ((IntVector) root.getVector("int")).setSafe(0, 42);
      ((VarCharVector) root.getVector("text")).setSafe(0, "42".getBytes(StandardCharsets.UTF_8));
      ((DecimalVector) root.getVector("dec")).setSafe(0, new BigDecimal("1.50"));
      ((TimeStampMilliTZVector) root.getVector("ms")).setSafe(0, 1_700_000_000_123L);
      ((TimeStampMicroTZVector) root.getVector("us")).setSafe(0, 1_700_000_000_123_000L);
      root.setRowCount(1);
      byte[] big = KeyExtractor.of(KeyColumn.of("big")).key(root, 0);
      assertThat(KeyExtractor.of(KeyColumn.of("int")).key(root, 0)).isEqualTo(big);
      assertThat(KeyExtractor.of(KeyColumn.of("text")).key(root, 0)).isEqualTo(big);
      assertThat(text(KeyExtractor.of(KeyColumn.of("dec")).key(root, 0))).isEqualTo("1.5");
      byte[] ms = KeyExtractor.of(KeyColumn.of("ms")).key(root, 0);
      assertThat(text(ms)).isEqualTo("2023-11-14T22:13:20.123Z");
      assertThat(KeyExtractor.of(KeyColumn.of("us")).key(root, 0)).isEqualTo(ms);
    }
  }

  @Test
  void refusesFloatingPointAndNamesMissingColumns() {
    Schema schema =
        new Schema(
            List.of(
                new Field(
                    "score",
                    FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
                    null)));
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      ((Float8Vector) root.getVector(0)).setSafe(0, 1.0);
      root.setRowCount(1);
      assertThatThrownBy(() -> KeyExtractor.of(KeyColumn.of("score")).key(root, 0))
          .isInstanceOfSatisfying(
              SluiceException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
          .hasMessageContaining("score");
      assertThatThrownBy(() -> KeyExtractor.of(KeyColumn.of("email")).key(root, 0))
          .hasMessageContaining("\"email\"")
          .hasMessageContaining("\"score\"");
    }
  }

  @Test
  void forEachKeyStreamsEveryRowThroughOneBuffer() {
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      rows.add(Arrays.asList("user" + i + "@Example.org", i % 7 == 0 ? null : "Zoë " + i));
    }
    KeyExtractor k = textKey(2, CaseRule.LOWER);
    try (VectorSchemaRoot root = texts(allocator, rows)) {
      List<byte[]> streamed = new ArrayList<>();
      List<byte[]> buffers = new ArrayList<>();
      k.forEachKey(
          root,
          (row, bytes, length) -> {
            assertThat(row).isEqualTo(streamed.size());
            streamed.add(Arrays.copyOf(bytes, length));
            if (buffers.isEmpty() || buffers.get(buffers.size() - 1) != bytes) {
              buffers.add(bytes);
            }
          });
      assertThat(streamed).hasSize(1000);
      assertThat(buffers).hasSize(1);
      for (int r = 0; r < 1000; r++) {
        assertThat(streamed.get(r)).isEqualTo(k.key(root, r));
      }
    }
  }

  /** The text of a one-column TEXT key. */
  private static String text(byte[] key) {
    assertThat(key[0]).isEqualTo(KeyExtractor.TEXT);
    int len = ByteBuffer.wrap(key, 1, 4).getInt();
    assertThat(key).hasSize(5 + len);
    return new String(key, 5, len, StandardCharsets.UTF_8);
  }
}
