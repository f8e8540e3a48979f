package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.DurationVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeNanoVector;
import org.apache.arrow.vector.TimeSecVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VariableWidthFieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * RFC 4180 CSV in UTF-8: a header row, CRLF line ends, fields quoted when they hold a comma, a
 * quote, CR or LF (quotes doubled). A null is an empty field; an empty string is {@code ""}, so the
 * two stay apart. Numbers are written exactly (decimals in plain notation), dates and times in ISO
 * 8601 (a timestamp with a zone carries its offset), binary as lowercase hex. Lists, structs, maps,
 * unions and intervals have no CSV form and are refused when the writer opens.
 */
final class CsvSink implements BatchSink {
  private static final HexFormat HEX = HexFormat.of();

  /** Writes the value at {@code row}, known not to be null. */
  @FunctionalInterface
  private interface Cell {
    void append(FieldVector v, int row, StringBuilder out);
  }

  private final FileChannel channel;
  private final BufferedWriter out;
  private final Cell[] cells;
  private final StringBuilder line = new StringBuilder(256);

  CsvSink(Path file, Schema schema) throws IOException {
    List<Field> fields = schema.getFields();
    this.cells = new Cell[fields.size()];
    for (int i = 0; i < cells.length; i++) {
      cells[i] = cellFor(fields.get(i));
    }
    this.channel = FileChannel.open(file, StandardOpenOption.WRITE);
    OutputStream stream = Channels.newOutputStream(channel);
    this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
    try {
      for (int i = 0; i < fields.size(); i++) {
        if (i > 0) {
          line.append(',');
        }
        appendText(fields.get(i).getName(), line);
      }
      line.append("\r\n");
      out.append(line);
    } catch (IOException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  /** Fails with INVALID_ARGUMENT naming the first column CSV cannot hold. */
  static void checkWritable(Schema schema) {
    for (Field f : schema.getFields()) {
      cellFor(f);
    }
  }

  @Override
  public void write(VectorSchemaRoot batch) throws IOException {
    List<FieldVector> vectors = batch.getFieldVectors();
    int rows = batch.getRowCount();
    for (int r = 0; r < rows; r++) {
      line.setLength(0);
      for (int c = 0; c < cells.length; c++) {
        if (c > 0) {
          line.append(',');
        }
        FieldVector v = vectors.get(c);
        if (!v.isNull(r)) {
          cells[c].append(v, r, line);
        }
      }
      line.append("\r\n");
      out.append(line);
    }
  }

  @Override
  public void finish() throws IOException {
    try {
      out.flush();
      channel.force(true);
    } finally {
      abort();
    }
  }

  @Override
  public void abort() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // abandoning the file; it is deleted next
    }
  }

  private static Cell cellFor(Field field) {
    ArrowType type = field.getType();
    return switch (type.getTypeID()) {
      case Null -> (v, r, out) -> {};
      case Bool -> (v, r, out) -> out.append(((BitVector) v).get(r) != 0);
      case Int -> integerCell((ArrowType.Int) type);
      case FloatingPoint ->
          switch (((ArrowType.FloatingPoint) type).getPrecision()) {
            case HALF -> (v, r, out) -> out.append(((Float2Vector) v).getValueAsFloat(r));
            case SINGLE -> (v, r, out) -> out.append(((Float4Vector) v).get(r));
            case DOUBLE -> (v, r, out) -> out.append(((Float8Vector) v).get(r));
          };
      case Decimal ->
          ((ArrowType.Decimal) type).getBitWidth() == 256
              ? (v, r, out) -> out.append(((Decimal256Vector) v).getObject(r).toPlainString())
              : (v, r, out) -> out.append(((DecimalVector) v).getObject(r).toPlainString());
      case Utf8, LargeUtf8, Utf8View ->
          (v, r, out) ->
              appendText(
                  new String(((VariableWidthFieldVector) v).get(r), StandardCharsets.UTF_8), out);
      case Binary, LargeBinary, BinaryView ->
          (v, r, out) -> out.append(HEX.formatHex(((VariableWidthFieldVector) v).get(r)));
      case FixedSizeBinary ->
          (v, r, out) -> out.append(HEX.formatHex(((FixedSizeBinaryVector) v).get(r)));
      case Date ->
          switch (((ArrowType.Date) type).getUnit()) {
            case DAY ->
                (v, r, out) ->
                    out.append(java.time.LocalDate.ofEpochDay(((DateDayVector) v).get(r)));
            case MILLISECOND ->
                (v, r, out) -> out.append(ArrowTime.dateFromMillis(((DateMilliVector) v).get(r)));
          };
      case Time -> timeCell((ArrowType.Time) type);
      case Timestamp -> timestampCell((ArrowType.Timestamp) type);
      case Duration -> (v, r, out) -> out.append(((DurationVector) v).getObject(r));
      default ->
          throw new SluiceException(
              ErrorCode.INVALID_ARGUMENT,
              "column \"" + field.getName() + "\" of type " + type + " cannot be written as CSV");
    };
  }

  private static Cell integerCell(ArrowType.Int type) {
    if (type.getIsSigned()) {
      return (v, r, out) -> out.append(((BaseIntVector) v).getValueAsLong(r));
    }
    return switch (type.getBitWidth()) {
      case 8 -> (v, r, out) -> out.append(Byte.toUnsignedInt(((UInt1Vector) v).get(r)));
      case 16 -> (v, r, out) -> out.append((int) ((UInt2Vector) v).get(r));
      case 32 -> (v, r, out) -> out.append(Integer.toUnsignedString(((UInt4Vector) v).get(r)));
      default -> (v, r, out) -> out.append(Long.toUnsignedString(((UInt8Vector) v).get(r)));
    };
  }

  private static Cell timeCell(ArrowType.Time type) {
    return switch (type.getUnit()) {
      case SECOND ->
          (v, r, out) ->
              ArrowTime.TIME.formatTo(
                  ArrowTime.timeOfDay(((TimeSecVector) v).get(r), type.getUnit()), out);
      case MILLISECOND ->
          (v, r, out) ->
              ArrowTime.TIME.formatTo(
                  ArrowTime.timeOfDay(((TimeMilliVector) v).get(r), type.getUnit()), out);
      case MICROSECOND ->
          (v, r, out) ->
              ArrowTime.TIME.formatTo(
                  ArrowTime.timeOfDay(((TimeMicroVector) v).get(r), type.getUnit()), out);
      case NANOSECOND ->
          (v, r, out) ->
              ArrowTime.TIME.formatTo(
                  ArrowTime.timeOfDay(((TimeNanoVector) v).get(r), type.getUnit()), out);
    };
  }

  private static Cell timestampCell(ArrowType.Timestamp type) {
    String zone = type.getTimezone();
    if (zone == null || zone.isEmpty()) {
      return (v, r, out) ->
          ArrowTime.LOCAL_DATE_TIME.formatTo(
              ArrowTime.localDateTime(((TimeStampVector) v).get(r), type.getUnit()), out);
    }
    java.time.ZoneId id;
    try {
      id = java.time.ZoneId.of(zone);
    } catch (java.time.DateTimeException e) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "timestamp time zone \"" + zone + "\" is not known", e);
    }
    return (v, r, out) ->
        ArrowTime.OFFSET_DATE_TIME.formatTo(
            ArrowTime.instant(((TimeStampVector) v).get(r), type.getUnit()).atZone(id), out);
  }

  /** A text field, quoted when RFC 4180 requires it, and always when empty. */
  static void appendText(String s, StringBuilder out) {
    boolean quote = s.isEmpty();
    for (int i = 0; i < s.length() && !quote; i++) {
      char c = s.charAt(i);
      quote = c == ',' || c == '"' || c == '\r' || c == '\n';
    }
    if (!quote) {
      out.append(s);
      return;
    }
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        out.append('"');
      }
      out.append(c);
    }
    out.append('"');
  }
}
