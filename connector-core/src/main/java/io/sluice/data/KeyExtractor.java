package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeNanoVector;
import org.apache.arrow.vector.TimeSecVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VariableWidthFieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * The byte encoding of a row's key columns, for PSI and joins: equal keys on both sides must mean
 * equal bytes, and different keys different bytes. For each key column, in order:
 *
 * <ul>
 *   <li>null: the single byte {@code 0x00};
 *   <li>a text value: {@code 0x01}, the length of its canonical UTF-8 text as 4 bytes big-endian,
 *       then the text;
 *   <li>a binary value: {@code 0x02}, its length as 4 bytes big-endian, then the bytes.
 * </ul>
 *
 * <p>Every column's encoding is self-delimiting, so the concatenation is unambiguous: {@code
 * ("ab","c")} and {@code ("a","bc")} differ, and null differs from {@code ""}.
 *
 * <p>Canonical text: strings are Unicode NFC-normalized, stripped of leading and trailing white
 * space (every code point that {@link Character#isWhitespace} or {@link Character#isSpaceChar}
 * accepts, so also no-break spaces), then case-mapped by the column's {@link CaseRule} (locale
 * independent) and NFC-normalized again. Other types are rendered without regard to their Arrow
 * width or unit, so that two parties whose files typed a column differently still match: integers
 * in decimal, decimals in plain notation without trailing zeros ({@code 1.50} is {@code 1.5}),
 * booleans {@code true}/{@code false}, dates {@code yyyy-MM-dd}, times and timestamps in ISO 8601
 * with only the fraction digits needed, a timestamp with a zone as the UTC instant ({@code ...Z}).
 * A number and a string with the same text therefore encode the same. Floating point columns are
 * refused: they are no key.
 *
 * <p>Streaming: {@link #forEachKey} fills one reusable buffer per row and hands it to a callback;
 * nothing is allocated per row for ASCII text. Instances are immutable and thread-safe.
 */
public final class KeyExtractor {
  /** How a text column's case is treated. */
  public enum CaseRule {
    PRESERVE,
    LOWER,
    UPPER
  }

  /** A key column and its case rule. */
  public record KeyColumn(String name, CaseRule caseRule) {
    public KeyColumn {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(caseRule, "caseRule");
    }

    /** A column whose case is preserved. */
    public static KeyColumn of(String name) {
      return new KeyColumn(name, CaseRule.PRESERVE);
    }
  }

  /** Receives one row's key; {@code key[0..length)} is valid only during the call. */
  @FunctionalInterface
  public interface KeyConsumer {
    void accept(int row, byte[] key, int length);
  }

  static final byte NULL = 0x00;
  static final byte TEXT = 0x01;
  static final byte BYTES = 0x02;

  private final List<KeyColumn> columns;

  private KeyExtractor(List<KeyColumn> columns) {
    this.columns = columns;
  }

  public static KeyExtractor of(List<KeyColumn> columns) {
    List<KeyColumn> copy = List.copyOf(columns);
    if (copy.isEmpty()) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "a key needs at least one column");
    }
    return new KeyExtractor(copy);
  }

  public static KeyExtractor of(KeyColumn... columns) {
    return of(Arrays.asList(columns));
  }

  public List<KeyColumn> columns() {
    return columns;
  }

  /**
   * Whether an encoded key has a part that is null, or blank (empty once its text is canonical:
   * white space only, or an empty binary value). Such a key identifies nobody, so PSI skips the row
   * instead of letting all rows without an id match each other.
   */
  public static boolean isMissing(byte[] key, int length) {
    int at = 0;
    while (at < length) {
      if (key[at] == NULL) {
        return true;
      }
      int len =
          ((key[at + 1] & 0xff) << 24)
              | ((key[at + 2] & 0xff) << 16)
              | ((key[at + 3] & 0xff) << 8)
              | (key[at + 4] & 0xff);
      if (len == 0) {
        return true;
      }
      at += 5 + len;
    }
    return false;
  }

  /** Calls {@code consumer} with the key of every row of {@code batch}, in row order. */
  public void forEachKey(VectorSchemaRoot batch, KeyConsumer consumer) {
    Encoder[] encoders = bind(batch);
    Output out = new Output();
    for (int row = 0; row < batch.getRowCount(); row++) {
      out.length = 0;
      for (Encoder e : encoders) {
        e.encode(row, out);
      }
      consumer.accept(row, out.buf, out.length);
    }
  }

  /**
   * The key of one row, as a new array (for tests and small inputs; prefer {@link #forEachKey}).
   */
  public byte[] key(VectorSchemaRoot batch, int row) {
    Objects.checkIndex(row, batch.getRowCount());
    Encoder[] encoders = bind(batch);
    Output out = new Output();
    for (Encoder e : encoders) {
      e.encode(row, out);
    }
    return Arrays.copyOf(out.buf, out.length);
  }

  // ---- encoding ----

  private interface Encoder {
    void encode(int row, Output out);
  }

  /** A growable buffer plus scratch space for a text value's raw bytes. */
  private static final class Output {
    byte[] buf = new byte[256];
    int length;
    byte[] scratch = new byte[64];

    void ensure(int more) {
      if (length + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + more));
      }
    }

    void put(byte b) {
      ensure(1);
      buf[length++] = b;
    }

    void putInt(int at, int v) {
      buf[at] = (byte) (v >>> 24);
      buf[at + 1] = (byte) (v >>> 16);
      buf[at + 2] = (byte) (v >>> 8);
      buf[at + 3] = (byte) v;
    }

    void putValue(byte tag, byte[] bytes, int from, int len) {
      ensure(5 + len);
      buf[length] = tag;
      putInt(length + 1, len);
      System.arraycopy(bytes, from, buf, length + 5, len);
      length += 5 + len;
    }

    void putText(String text) {
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      putValue(TEXT, utf8, 0, utf8.length);
    }

    byte[] scratch(int len) {
      if (scratch.length < len) {
        scratch = new byte[Math.max(len, scratch.length * 2)];
      }
      return scratch;
    }
  }

  private Encoder[] bind(VectorSchemaRoot batch) {
    Encoder[] encoders = new Encoder[columns.size()];
    for (int i = 0; i < encoders.length; i++) {
      KeyColumn column = columns.get(i);
      FieldVector v = batch.getVector(column.name());
      if (v == null) {
        List<String> names = new ArrayList<>();
        batch.getSchema().getFields().forEach(f -> names.add(f.getName()));
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "no key column \""
                + column.name()
                + "\"; the columns are "
                + DataErrors.quoteAll(names));
      }
      Encoder e = encoderFor(v, column);
      encoders[i] =
          (row, out) -> {
            if (v.isNull(row)) {
              out.put(NULL);
            } else {
              e.encode(row, out);
            }
          };
    }
    return encoders;
  }

  private static Encoder encoderFor(FieldVector v, KeyColumn column) {
    ArrowType type = v.getField().getType();
    return switch (type.getTypeID()) {
      case Utf8 -> {
        VarCharVector text = (VarCharVector) v;
        yield (row, out) -> {
          ArrowBuf offsets = text.getOffsetBuffer();
          int start = offsets.getInt((long) row * VarCharVector.OFFSET_WIDTH);
          int end = offsets.getInt((long) (row + 1) * VarCharVector.OFFSET_WIDTH);
          int len = end - start;
          byte[] raw = out.scratch(len);
          text.getDataBuffer().getBytes(start, raw, 0, len);
          putNormalized(raw, len, column.caseRule(), out);
        };
      }
      case LargeUtf8, Utf8View ->
          (row, out) -> {
            byte[] raw = ((VariableWidthFieldVector) v).get(row);
            putNormalized(raw, raw.length, column.caseRule(), out);
          };
      case Binary, LargeBinary, BinaryView ->
          (row, out) -> {
            byte[] raw = ((VariableWidthFieldVector) v).get(row);
            out.putValue(BYTES, raw, 0, raw.length);
          };
      case FixedSizeBinary ->
          (row, out) -> {
            byte[] raw = ((FixedSizeBinaryVector) v).get(row);
            out.putValue(BYTES, raw, 0, raw.length);
          };
      case Int -> integerEncoder(v, (ArrowType.Int) type);
      case Bool -> (row, out) -> out.putText(((BitVector) v).get(row) != 0 ? "true" : "false");
      case Decimal ->
          (row, out) -> {
            BigDecimal d =
                v instanceof Decimal256Vector d256
                    ? d256.getObject(row)
                    : ((DecimalVector) v).getObject(row);
            out.putText(canonical(d));
          };
      case Date ->
          (row, out) ->
              out.putText(
                  v instanceof DateDayVector days
                      ? LocalDate.ofEpochDay(days.get(row)).toString()
                      : ArrowTime.dateFromMillis(((DateMilliVector) v).get(row)).toString());
      case Time -> {
        ArrowType.Time time = (ArrowType.Time) type;
        yield (row, out) -> {
          long value =
              switch (time.getUnit()) {
                case SECOND -> ((TimeSecVector) v).get(row);
                case MILLISECOND -> ((TimeMilliVector) v).get(row);
                case MICROSECOND -> ((TimeMicroVector) v).get(row);
                case NANOSECOND -> ((TimeNanoVector) v).get(row);
              };
          out.putText(ArrowTime.TIME.format(ArrowTime.timeOfDay(value, time.getUnit())));
        };
      }
      case Timestamp -> {
        ArrowType.Timestamp ts = (ArrowType.Timestamp) type;
        boolean zoned = ts.getTimezone() != null && !ts.getTimezone().isEmpty();
        yield (row, out) -> {
          long value = ((TimeStampVector) v).get(row);
          out.putText(
              zoned
                  ? ArrowTime.OFFSET_DATE_TIME.format(
                      ArrowTime.instant(value, ts.getUnit()).atOffset(ZoneOffset.UTC))
                  : ArrowTime.LOCAL_DATE_TIME.format(ArrowTime.localDateTime(value, ts.getUnit())));
        };
      }
      default ->
          throw new SluiceException(
              ErrorCode.INVALID_ARGUMENT,
              "key column \"" + column.name() + "\" has type " + type + ", which is no key type");
    };
  }

  private static Encoder integerEncoder(FieldVector v, ArrowType.Int type) {
    if (type.getIsSigned()) {
      return (row, out) -> out.putText(Long.toString(((BaseIntVector) v).getValueAsLong(row)));
    }
    return switch (type.getBitWidth()) {
      case 8 ->
          (row, out) ->
              out.putText(Integer.toString(Byte.toUnsignedInt(((UInt1Vector) v).get(row))));
      case 16 -> (row, out) -> out.putText(Integer.toString(((UInt2Vector) v).get(row)));
      case 32 -> (row, out) -> out.putText(Integer.toUnsignedString(((UInt4Vector) v).get(row)));
      default -> (row, out) -> out.putText(Long.toUnsignedString(((UInt8Vector) v).get(row)));
    };
  }

  static String canonical(BigDecimal d) {
    return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
  }

  // ---- text normalization ----

  /** Writes the canonical form of the UTF-8 text {@code raw[0..len)} as a TEXT value. */
  private static void putNormalized(byte[] raw, int len, CaseRule rule, Output out) {
    if (isAscii(raw, len)) {
      int from = 0;
      int to = len;
      while (from < to && isAsciiSpace(raw[from])) {
        from++;
      }
      while (to > from && isAsciiSpace(raw[to - 1])) {
        to--;
      }
      int n = to - from;
      out.ensure(5 + n);
      out.buf[out.length] = TEXT;
      out.putInt(out.length + 1, n);
      int at = out.length + 5;
      for (int i = from; i < to; i++) {
        byte b = raw[i];
        if (rule == CaseRule.LOWER && b >= 'A' && b <= 'Z') {
          b += 'a' - 'A';
        } else if (rule == CaseRule.UPPER && b >= 'a' && b <= 'z') {
          b -= 'a' - 'A';
        }
        out.buf[at++] = b;
      }
      out.length = at;
      return;
    }
    out.putText(normalize(new String(raw, 0, len, StandardCharsets.UTF_8), rule));
  }

  /** The canonical text of a string: NFC, stripped, case-mapped, NFC. (The reference path.) */
  static String normalize(String s, CaseRule rule) {
    String n = nfc(s);
    int from = 0;
    int to = n.length();
    while (from < to) {
      int cp = n.codePointAt(from);
      if (!isSpace(cp)) {
        break;
      }
      from += Character.charCount(cp);
    }
    while (to > from) {
      int cp = n.codePointBefore(to);
      if (!isSpace(cp)) {
        break;
      }
      to -= Character.charCount(cp);
    }
    n = n.substring(from, to);
    return switch (rule) {
      case PRESERVE -> n;
      case LOWER -> nfc(n.toLowerCase(Locale.ROOT));
      case UPPER -> nfc(n.toUpperCase(Locale.ROOT));
    };
  }

  private static String nfc(String s) {
    return Normalizer.isNormalized(s, Normalizer.Form.NFC)
        ? s
        : Normalizer.normalize(s, Normalizer.Form.NFC);
  }

  static boolean isSpace(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
  }

  private static boolean isAscii(byte[] raw, int len) {
    for (int i = 0; i < len; i++) {
      if (raw[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiSpace(byte b) {
    return isSpace(b);
  }
}
