package io.sluice.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compare.Range;
import org.apache.arrow.vector.compare.RangeEqualsVisitor;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ResultWriterTest {
  private BufferAllocator allocator;
  @TempDir Path dir;

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void tearDown() {
    allocator.close();
  }

  private static String fileName(DataFormat format) {
    return switch (format) {
      case CSV -> "result.csv";
      case PARQUET -> "result.parquet";
      case ARROW_FILE -> "result.arrow";
      case ARROW_STREAM -> "result.arrows";
    };
  }

  /** Writes rows 0..99 in batches of 40, 40, 20. */
  private Path writeSample(DataFormat format) {
    Path target = dir.resolve(fileName(format));
    try (ResultWriter out = ResultWriter.open(target, SampleBatches.SCHEMA, allocator)) {
      for (int from = 0; from < 100; from += 40) {
        try (VectorSchemaRoot batch =
            SampleBatches.rows(allocator, from, Math.min(40, 100 - from))) {
          out.write(batch);
        }
      }
      assertThat(target).doesNotExist();
      out.commit();
    }
    return target;
  }

  @ParameterizedTest
  @EnumSource(
      value = DataFormat.class,
      names = {"ARROW_FILE", "ARROW_STREAM"})
  void arrowRoundTripKeepsSchemaBatchesAndValues(DataFormat format) {
    Path target = writeSample(format);
    try (BatchReader in = BatchReader.open(DatasetSource.file(target), allocator)) {
      assertThat(in.schema()).isEqualTo(SampleBatches.SCHEMA);
      for (int from = 0; from < 100; from += 40) {
        assertThat(in.loadNextBatch()).isTrue();
        try (VectorSchemaRoot want =
            SampleBatches.rows(allocator, from, Math.min(40, 100 - from))) {
          VectorSchemaRoot got = in.root();
          assertThat(got.getRowCount()).isEqualTo(want.getRowCount());
          for (int c = 0; c < want.getFieldVectors().size(); c++) {
            assertThat(
                    new RangeEqualsVisitor(want.getVector(c), got.getVector(c))
                        .rangeEquals(new Range(0, 0, want.getRowCount())))
                .as(want.getVector(c).getName())
                .isTrue();
          }
        }
      }
      assertThat(in.loadNextBatch()).isFalse();
    }
    assertThat(DatasetProbe.probe(DatasetSource.file(target), allocator).rowCount()).isEqualTo(100);
  }

  @Test
  void parquetRoundTripKeepsEveryValue() {
    Path target = writeSample(DataFormat.PARQUET);
    DatasetInfo info = DatasetProbe.probe(DatasetSource.file(target), allocator);
    assertThat(info.rowCount()).isEqualTo(100);
    assertThat(info.schema().findField("amount").getType())
        .isEqualTo(new ArrowType.Decimal(12, 2, 128));
    List<List<String>> got = readCells(DatasetSource.file(target));
    List<List<String>> want = sampleCells();
    assertThat(got).isEqualTo(want);
  }

  @Test
  void csvIsExactRfc4180Text() throws IOException {
    Path target = writeSample(DataFormat.CSV);
    String text = Files.readString(target, StandardCharsets.UTF_8);
    String[] lines = text.split("\r\n", -1);
    assertThat(lines[0]).isEqualTo("id,name,amount,day,at,at_utc,flag,score");
    // row 0: every type rendered; timestamps ISO 8601, the zoned one with its offset
    assertThat(lines[1])
        .isEqualTo(
            "0,plain,1000000.05,2024-02-28,2024-02-27T02:13:20.123456,"
                + "2024-02-27T02:13:20.123Z,false,0.0");
    assertThat(lines[2]).startsWith("1,\"a,b\",1000000.06,2024-02-29,");
    assertThat(lines[3]).startsWith("2,\"say \"\"hi\"\"\",");
    // a quoted line break stays inside its field (so the line split cuts it)
    assertThat(lines[4]).isEqualTo("3,\"two");
    assertThat(lines[5]).startsWith("lines\",");
    // row 4: nulls are empty fields
    assertThat(lines[6]).isEqualTo("4,Zoë Ünal,,,,,,");
    // row 5: the empty string is "" ; row 6: a null name is nothing
    assertThat(lines[7]).startsWith("5,\"\",");
    assertThat(lines[8]).startsWith("6,,");
    assertThat(text).endsWith("\r\n");
    assertThat(lines).hasSize(1 + 100 + 11 + 1); // header, rows, 11 quoted line breaks, last CRLF
  }

  @Test
  void csvReadsBackWithNullsAndEmptyStringsApart() {
    Path target = writeSample(DataFormat.CSV);
    try (BatchReader in =
        BatchReader.open(DatasetSource.file(target), allocator, 1000, List.of("id", "name"))) {
      assertThat(in.loadNextBatch()).isTrue();
      VectorSchemaRoot root = in.root();
      assertThat(root.getRowCount()).isEqualTo(100);
      for (int r = 0; r < 100; r++) {
        String want = SampleBatches.NAMES[r % SampleBatches.NAMES.length];
        assertThat(SampleBatches.cell(root.getVector("name"), r)).as("row %d", r).isEqualTo(want);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(DataFormat.class)
  void failureMidWriteLeavesNoFileBehind(DataFormat format) {
    Path target = dir.resolve(fileName(format));
    IntFunction<VectorSchemaRoot> computation =
        i -> {
          if (i == 2) {
            throw new IllegalStateException("computation failed");
          }
          return SampleBatches.rows(allocator, i * 10, 10);
        };
    assertThatThrownBy(
            () -> {
              try (ResultWriter out = ResultWriter.open(target, SampleBatches.SCHEMA, allocator)) {
                for (int i = 0; i < 5; i++) {
                  try (VectorSchemaRoot batch = computation.apply(i)) {
                    out.write(batch);
                  }
                }
                out.commit();
              }
            })
        .hasMessage("computation failed");
    assertThat(target).doesNotExist();
    assertThat(listDir()).isEmpty();
  }

  @Test
  void neverReplacesAnExistingFile() throws IOException {
    Path target = dir.resolve("taken.csv");
    Files.writeString(target, "keep me");
    assertThatThrownBy(() -> ResultWriter.open(target, SampleBatches.SCHEMA, allocator))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));

    Path later = dir.resolve("later.arrow");
    try (ResultWriter out = ResultWriter.open(later, SampleBatches.SCHEMA, allocator)) {
      Files.writeString(later, "appeared meanwhile");
      assertThatThrownBy(out::commit)
          .isInstanceOfSatisfying(
              SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    }
    assertThat(Files.readString(later)).isEqualTo("appeared meanwhile");
    assertThat(Files.readString(target)).isEqualTo("keep me");
    assertThat(listDir()).containsExactlyInAnyOrder("taken.csv", "later.arrow");
  }

  @Test
  void rejectsABatchOfAnotherSchemaAndThenNothingIsWritten() {
    Path target = dir.resolve("out.arrows");
    Schema other =
        new Schema(List.of(new Field("x", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));
    try (ResultWriter out = ResultWriter.open(target, SampleBatches.SCHEMA, allocator);
        VectorSchemaRoot wrong = VectorSchemaRoot.create(other, allocator)) {
      assertThatThrownBy(() -> out.write(wrong))
          .isInstanceOfSatisfying(
              SluiceException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                assertThat(e.getMessage()).contains("x");
              });
    }
    assertThat(listDir()).isEmpty();
  }

  @Test
  void csvRefusesNestedColumnsWhenOpening() {
    Field list =
        new Field(
            "tags",
            FieldType.nullable(ArrowType.List.INSTANCE),
            List.of(new Field("item", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));
    assertThatThrownBy(
            () -> ResultWriter.open(dir.resolve("t.csv"), new Schema(List.of(list)), allocator))
        .isInstanceOfSatisfying(
            SluiceException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("tags");
            });
    assertThat(listDir()).isEmpty();
  }

  @Test
  void writeAfterCommitIsABug() {
    Path target = dir.resolve("done.arrow");
    try (ResultWriter out = ResultWriter.open(target, SampleBatches.SCHEMA, allocator);
        VectorSchemaRoot batch = SampleBatches.rows(allocator, 0, 3)) {
      out.write(batch);
      out.commit();
      assertThatThrownBy(() -> out.write(batch)).isInstanceOf(IllegalStateException.class);
    }
    assertThat(target).exists();
    assertThat(listDir()).containsExactly("done.arrow");
  }

  private List<String> listDir() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private List<List<String>> readCells(DatasetSource source) {
    List<List<String>> rows = new ArrayList<>();
    try (BatchReader in = BatchReader.open(source, allocator, 33, List.of())) {
      while (in.loadNextBatch()) {
        VectorSchemaRoot root = in.root();
        for (int r = 0; r < root.getRowCount(); r++) {
          List<String> row = new ArrayList<>();
          for (FieldVector v : root.getFieldVectors()) {
            row.add(SampleBatches.cell(v, r));
          }
          rows.add(row);
        }
      }
    }
    return rows;
  }

  private List<List<String>> sampleCells() {
    List<List<String>> rows = new ArrayList<>();
    try (VectorSchemaRoot root = SampleBatches.rows(allocator, 0, 100)) {
      for (int r = 0; r < 100; r++) {
        List<String> row = new ArrayList<>();
        for (FieldVector v : root.getFieldVectors()) {
          row.add(SampleBatches.cell(v, r));
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
