package io.sluice.compute;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The payload of one sender row in labelled PSI: the values of the revealed columns, each as a null
 * flag and a length-prefixed UTF-8 rendering that round-trips exactly for the supported Arrow types
 * (integers, floating point, decimals, booleans, strings, dates, timestamps). Other types travel as
 * their string form and arrive as strings. The payload schema travels once in the session's
 * acceptance, as Arrow schema JSON.
 */
public final class PayloadCodec {
  private final Schema schema;

  private PayloadCodec(Schema schema) {
    this.schema = schema;
  }

  /** A codec for the given columns of a sender's schema (unsupported types become strings). */
  public static PayloadCodec forColumns(Schema source, List<String> columns) {
    List<Field> fields = new ArrayList<>();
    for (String name : columns) {
      Field f;
      try {
        f = source.findField(name);
      } catch (IllegalArgumentException e) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "the dataset has no column '" + name + "' (it has " + names(source) + ")");
      }
      fields.add(new Field(f.getName(), FieldType.nullable(wireType(f.getType())), null));
    }
    return new PayloadCodec(new Schema(fields));
  }

  /** The codec a receiver builds from the sender's announced schema JSON. */
  public static PayloadCodec fromSchemaJson(String json) {
    try {
      return new PayloadCodec(Schema.fromJSON(json));
    } catch (java.io.IOException | RuntimeException e) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed payload schema");
    }
  }

  public Schema schema() {
    return schema;
  }

  public String schemaJson() {
    return schema.toJson();
  }

  /** Encodes the payload columns of {@code row} in {@code batch}. */
  public byte[] encode(VectorSchemaRoot batch, int row) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    for (Field f : schema.getFields()) {
      FieldVector v = batch.getVector(f.getName());
      if (v.isNull(row)) {
        out.write(0);
        continue;
      }
      byte[] text = render(v, row).getBytes(StandardCharsets.UTF_8);
      if (text.length > 65_535) {
        throw new SluiceException(
            ErrorCode.INVALID_DATA, "a value of column " + f.getName() + " is longer than 64 KiB");
      }
      out.write(1);
      out.write(text.length >>> 8);
      out.write(text.length & 0xff);
      out.write(text, 0, text.length);
    }
    return out.toByteArray();
  }

  /** Decodes one payload into the values of the payload columns (null for SQL NULL). */
  public String[] decode(byte[] payload) {
    String[] values = new String[schema.getFields().size()];
    ByteBuffer in = ByteBuffer.wrap(payload);
    try {
      for (int i = 0; i < values.length; i++) {
        int flag = in.get();
        if (flag == 0) {
          continue;
        }
        if (flag != 1) {
          throw new IllegalArgumentException("flag");
        }
        int length = Short.toUnsignedInt(in.getShort());
        byte[] text = new byte[length];
        in.get(text);
        values[i] = new String(text, StandardCharsets.UTF_8);
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException("trailing bytes");
      }
    } catch (RuntimeException e) {
      throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "malformed label payload");
    }
    return values;
  }

  /**
   * Sets {@code value} (a decoded rendering, or null) at {@code row} of a vector of this schema.
   */
  public static void set(FieldVector v, int row, String value) {
    if (value == null) {
      v.setNull(row);
      return;
    }
    ArrowType t = v.getField().getType();
    try {
      if (v instanceof BigIntVector x) {
        x.setSafe(row, Long.parseLong(value));
      } else if (v instanceof IntVector x) {
        x.setSafe(row, Integer.parseInt(value));
      } else if (v instanceof SmallIntVector x) {
        x.setSafe(row, Short.parseShort(value));
      } else if (v instanceof TinyIntVector x) {
        x.setSafe(row, Byte.parseByte(value));
      } else if (v instanceof Float8Vector x) {
        x.setSafe(row, Double.parseDouble(value));
      } else if (v instanceof Float4Vector x) {
        x.setSafe(row, Float.parseFloat(value));
      } else if (v instanceof DecimalVector x) {
        x.setSafe(row, new BigDecimal(value).setScale(x.getScale()));
      } else if (v instanceof BitVector x) {
        x.setSafe(row, Boolean.parseBoolean(value) ? 1 : 0);
      } else if (v instanceof DateDayVector x) {
        x.setSafe(row, (int) LocalDate.parse(value).toEpochDay());
      } else if (v instanceof DateMilliVector x) {
        x.setSafe(
            row, LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli());
      } else if (v instanceof TimeStampVector x) {
        x.setSafe(row, Long.parseLong(value));
      } else if (v instanceof VarCharVector x) {
        x.setSafe(row, value.getBytes(StandardCharsets.UTF_8));
      } else {
        throw new SluiceException(ErrorCode.INTERNAL, "unsupported payload type " + t);
      }
    } catch (NumberFormatException | java.time.DateTimeException | ArithmeticException e) {
      throw new SluiceException(
          ErrorCode.MALFORMED_MESSAGE, "a label value does not fit its column type " + t);
    }
  }

  private static String render(FieldVector v, int row) {
    if (v instanceof DecimalVector x) {
      return x.getObject(row).toPlainString();
    }
    if (v instanceof DateDayVector x) {
      return LocalDate.ofEpochDay(x.get(row)).toString();
    }
    if (v instanceof DateMilliVector x) {
      LocalDateTime t = x.getObject(row);
      return t.toLocalDate().toString();
    }
    if (v instanceof TimeStampVector x) {
      return Long.toString(x.get(row));
    }
    if (v instanceof VarCharVector x) {
      return new String(x.get(row), StandardCharsets.UTF_8);
    }
    Object o = v.getObject(row);
    return String.valueOf(o);
  }

  /** The type a column has on the wire: itself when supported, else UTF-8 text. */
  static ArrowType wireType(ArrowType t) {
    return switch (t.getTypeID()) {
      case Int -> ((ArrowType.Int) t).getIsSigned() ? t : ArrowType.Utf8.INSTANCE;
      case FloatingPoint ->
          ((ArrowType.FloatingPoint) t).getPrecision()
                  == org.apache.arrow.vector.types.FloatingPointPrecision.HALF
              ? ArrowType.Utf8.INSTANCE
              : t;
      case Decimal -> ((ArrowType.Decimal) t).getBitWidth() == 128 ? t : ArrowType.Utf8.INSTANCE;
      case Bool, Utf8, Date, Timestamp -> t;
      default -> ArrowType.Utf8.INSTANCE;
    };
  }

  private static String names(Schema s) {
    return s.getFields().stream().map(Field::getName).toList().toString();
  }
}
