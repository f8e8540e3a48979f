package io.sluice.data;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.TimeStampMicroVector;
import org.apache.arrow.vector.TimeStampMilliTZVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/** A small mixed-type table whose text column has every CSV hazard, for writer round trips. */
final class SampleBatches {
  static final Schema SCHEMA =
      new Schema(
          List.of(
              new Field("id", FieldType.notNullable(new ArrowType.Int(64, true)), null),
              new Field("name", FieldType.nullable(ArrowType.Utf8.INSTANCE), null),
              new Field("amount", FieldType.nullable(new ArrowType.Decimal(12, 2, 128)), null),
              new Field("day", FieldType.nullable(new ArrowType.Date(DateUnit.DAY)), null),
              new Field(
                  "at",
                  FieldType.nullable(new ArrowType.Timestamp(TimeUnit.MICROSECOND, null)),
                  null),
              new Field(
                  "at_utc",
                  FieldType.nullable(new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC")),
                  null),
              new Field("flag", FieldType.nullable(ArrowType.Bool.INSTANCE), null),
              new Field(
                  "score",
                  FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
                  null)));

  /** Names with commas, quotes, line breaks, non-ASCII, an empty string and a null. */
  static final String[] NAMES = {
    "plain", "a,b", "say \"hi\"", "two\r\nlines", "Zoë Ünal", "", null, "日本語", "x"
  };

  private SampleBatches() {}

  /** Rows {@code from..from+count} of the sample table (names repeat every 9 rows). */
  static VectorSchemaRoot rows(BufferAllocator allocator, int from, int count) {
    VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator);
    root.allocateNew();
    BigIntVector id = (BigIntVector) root.getVector("id");
    VarCharVector name = (VarCharVector) root.getVector("name");
    DecimalVector amount = (DecimalVector) root.getVector("amount");
    DateDayVector day = (DateDayVector) root.getVector("day");
    TimeStampMicroVector at = (TimeStampMicroVector) root.getVector("at");
    TimeStampMilliTZVector atUtc = (TimeStampMilliTZVector) root.getVector("at_utc");
    BitVector flag = (BitVector) root.getVector("flag");
    Float8Vector score = (Float8Vector) root.getVector("score");
    for (int r = 0; r < count; r++) {
      int i = from + r;
      id.setSafe(r, i);
      String n = NAMES[i % NAMES.length];
      if (n == null) {
        name.setNull(r);
      } else {
        name.setSafe(r, n.getBytes(StandardCharsets.UTF_8));
      }
      if (i % 5 == 4) {
        amount.setNull(r);
        day.setNull(r);
        at.setNull(r);
        atUtc.setNull(r);
        flag.setNull(r);
        score.setNull(r);
      } else {
        amount.setSafe(r, new BigDecimal(i).movePointLeft(2).add(new BigDecimal("1000000.05")));
        day.setSafe(r, (int) LocalDate.of(2024, 2, 28).toEpochDay() + i);
        at.setSafe(r, 1_709_000_000_123_456L + i * 1_000_001L);
        atUtc.setSafe(r, 1_709_000_000_123L + i * 1_001L);
        flag.setSafe(r, i % 2);
        score.setSafe(r, i / 8.0);
      }
    }
    root.setRowCount(count);
    return root;
  }

  /** A cell as text that is the same whatever the unit or zone of a timestamp. */
  static String cell(FieldVector v, int row) {
    if (v.isNull(row)) {
      return null;
    }
    if (v instanceof TimeStampVector ts) {
      ArrowType.Timestamp type = (ArrowType.Timestamp) v.getField().getType();
      return ArrowTime.instant(ts.get(row), type.getUnit()).toString();
    }
    return String.valueOf(v.getObject(row));
  }
}
