package io.sluice.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchReaderTest {
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

  // ---- CSV ----

  private Path smallCsv() throws IOException {
    Path csv = dir.resolve("people.csv");
    StringBuilder sb = new StringBuilder("id,name,zip,amount,day\n");
    for (int i = 0; i < 10; i++) {
      sb.append(i)
          .append(",\"Name ")
          .append(i)
          .append(", Jr.\",0")
          .append(1000 + i)
          .append(',')
          .append(i)
          .append(".25,2024-01-0")
          .append(i % 9 + 1)
          .append('\n');
    }
    Files.writeString(csv, sb);
    return csv;
  }

  @Test
  void csvProbeGivesSniffedSchemaAndRowsKeepingLeadingZeros() throws IOException {
    DatasetInfo info = DatasetProbe.probe(DatasetSource.file(smallCsv()), allocator);
    assertThat(info.rowCount()).isEqualTo(10);
    assertThat(names(info.schema())).containsExactly("id", "name", "zip", "amount", "day");
    assertThat(info.schema().findField("id").getType()).isEqualTo(new ArrowType.Int(64, true));
    // identifiers with leading zeros stay text
    assertThat(info.schema().findField("zip").getType()).isEqualTo(ArrowType.Utf8.INSTANCE);
    assertThat(info.schema().findField("day").getType())
        .isEqualTo(new ArrowType.Date(DateUnit.DAY));
    assertThat(info.schema().findField("amount").getType())
        .isEqualTo(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
  }

  @Test
  void csvReadsProjectedColumnsInUnevenBatches() throws IOException {
    DatasetSource source = DatasetSource.file(smallCsv());
    try (BatchReader reader = BatchReader.open(source, allocator, 3, List.of("zip", "id"))) {
      assertThat(names(reader.schema())).containsExactly("zip", "id");
      List<Integer> sizes = new ArrayList<>();
      List<String> zips = new ArrayList<>();
      long idSum = 0;
      while (reader.loadNextBatch()) {
        VectorSchemaRoot root = reader.root();
        assertThat(root.getSchema()).isEqualTo(reader.schema());
        sizes.add(root.getRowCount());
        for (int r = 0; r < root.getRowCount(); r++) {
          zips.add(root.getVector(0).getObject(r).toString());
          idSum += ((BigIntVector) root.getVector(1)).get(r);
        }
      }
      assertThat(sizes).containsExactly(3, 3, 3, 1);
      assertThat(zips).startsWith("01000", "01001").hasSize(10);
      assertThat(idSum).isEqualTo(45);
    }
  }

  @Test
  void millionRowCsvProbesWithoutLoadingAndStreamsInBoundedMemory() throws IOException {
    Path csv = dir.resolve("big.csv");
    int rows = 1_000_000;
    try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
      w.write("id,email,segment,amount\n");
      for (int i = 0; i < rows; i++) {
        w.write(i + ",person" + i + "@example.org,segment-" + (i % 97) + "," + (i % 1000) + "\n");
      }
    }
    DatasetInfo info = DatasetProbe.probe(DatasetSource.file(csv), allocator);
    assertThat(info.rowCount()).isEqualTo(rows);
    // the probe moved no rows into Java memory (the data is ~50 MB as Arrow)
    assertThat(allocator.getPeakMemoryAllocation()).isLessThan(1L << 20);

    long seen = 0;
    long maxBatch = 0;
    try (BatchReader reader = BatchReader.open(DatasetSource.file(csv), allocator)) {
      while (reader.loadNextBatch()) {
        seen += reader.root().getRowCount();
        maxBatch = Math.max(maxBatch, reader.root().getRowCount());
      }
    }
    assertThat(seen).isEqualTo(rows);
    assertThat(maxBatch).isEqualTo(BatchReader.DEFAULT_BATCH_ROWS);
    // one or two 64 Ki-row batches at a time, never the whole file
    assertThat(allocator.getPeakMemoryAllocation()).isLessThan(24L << 20);
  }

  // ---- Parquet ----

  private Path parquet(int rows) throws SQLException {
    Path file = dir.resolve("t.parquet");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement()) {
      st.execute(
          "COPY (SELECT range AS id, 'n' || range AS name, CAST(range / 4 AS DECIMAL(10,2)) AS"
              + " quarter FROM range("
              + rows
              + ")) TO '"
              + file
              + "' (FORMAT parquet, ROW_GROUP_SIZE 100)");
    }
    return file;
  }

  @Test
  void parquetProbeAndProjectedReadInUnevenBatches() throws SQLException {
    DatasetSource source = DatasetSource.file(parquet(1000));
    DatasetInfo info = DatasetProbe.probe(source, allocator);
    assertThat(info.rowCount()).isEqualTo(1000);
    assertThat(names(info.schema())).containsExactly("id", "name", "quarter");

    try (BatchReader reader = BatchReader.open(source, allocator, 64, List.of("quarter", "id"))) {
      assertThat(names(reader.schema())).containsExactly("quarter", "id");
      long rows = 0;
      int last = 0;
      BigDecimal sum = BigDecimal.ZERO;
      while (reader.loadNextBatch()) {
        VectorSchemaRoot root = reader.root();
        assertThat(root.getRowCount()).isLessThanOrEqualTo(64);
        for (int r = 0; r < root.getRowCount(); r++) {
          sum = sum.add((BigDecimal) root.getVector(0).getObject(r));
          assertThat(((BigIntVector) root.getVector(1)).get(r)).isEqualTo(rows + r);
        }
        rows += root.getRowCount();
        last = root.getRowCount();
      }
      assertThat(rows).isEqualTo(1000);
      assertThat(last).isEqualTo(1000 % 64);
      assertThat(sum).isEqualByComparingTo(new BigDecimal("124875.00"));
    }
  }

  // ---- JDBC ----

  @Test
  void sqliteQueryProbesAndReadsInBatches() throws SQLException {
    String url = "jdbc:sqlite:" + dir.resolve("t.db");
    try (Connection c = DriverManager.getConnection(url)) {
      try (Statement st = c.createStatement()) {
        st.execute(
            "CREATE TABLE t(id INTEGER, name TEXT, amount DECIMAL(10,2), day DATE, r REAL,"
                + " b BLOB)");
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?,?,?,?,?,?)")) {
        for (int i = 0; i < 10; i++) {
          ps.setInt(1, i);
          ps.setString(2, i == 3 ? null : "n" + i);
          // SQLite keeps 2.5 as 2.5 (scale 1) in a DECIMAL(10,2) column: read as 2.50
          ps.setBigDecimal(3, new BigDecimal(i).divide(new BigDecimal(2)));
          ps.setDate(4, Date.valueOf(LocalDate.of(2024, 1, 1).plusDays(i)));
          ps.setDouble(5, i / 2.0);
          ps.setBytes(6, new byte[] {(byte) i});
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    DatasetSource source =
        DatasetSource.jdbc(url, "SELECT id, name, amount, day, r, b FROM t ORDER BY id;");
    DatasetInfo info = DatasetProbe.probe(source, allocator);
    assertThat(info.rowCount()).isEqualTo(10);
    assertThat(names(info.schema())).containsExactly("id", "name", "amount", "day", "r", "b");
    assertThat(info.schema().findField("amount").getType())
        .isEqualTo(new ArrowType.Decimal(10, 2, 128));

    try (BatchReader reader = BatchReader.open(source, allocator, 4, List.of("name", "day"))) {
      assertThat(names(reader.schema())).containsExactly("name", "day");
      List<Integer> sizes = new ArrayList<>();
      List<String> names = new ArrayList<>();
      List<String> days = new ArrayList<>();
      while (reader.loadNextBatch()) {
        VectorSchemaRoot root = reader.root();
        sizes.add(root.getRowCount());
        for (int r = 0; r < root.getRowCount(); r++) {
          names.add(SampleBatches.cell(root.getVector(0), r));
          days.add(LocalDate.ofEpochDay((Integer) root.getVector(1).getObject(r)).toString());
        }
      }
      assertThat(sizes).containsExactly(4, 4, 2);
      assertThat(names).containsExactly("n0", "n1", "n2", null, "n4", "n5", "n6", "n7", "n8", "n9");
      assertThat(days).startsWith("2024-01-01", "2024-01-02").endsWith("2024-01-10");
    }
    try (BatchReader reader = BatchReader.open(source, allocator)) {
      assertThat(reader.schema()).isEqualTo(info.schema());
      assertThat(reader.loadNextBatch()).isTrue();
      assertThat(reader.root().getVector("amount").getObject(5)).isEqualTo(new BigDecimal("2.50"));
    }
  }

  @Test
  void duckDbJdbcTypesArrowJdbcLeavesUnmappedBecomeUtcTimestampsAndText() throws SQLException {
    String url = "jdbc:duckdb:" + dir.resolve("t.duckdb");
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE t(id BIGINT, tz TIMESTAMPTZ, u UUID, h HUGEINT)");
      st.execute(
          "INSERT INTO t VALUES (1, TIMESTAMPTZ '2024-03-01 12:00:00+00',"
              + " '6f0c1b2e-8a55-4c39-9d0e-3a1b2c3d4e5f', 170141183460469231731687303715884105727)");
    }
    DatasetSource source = DatasetSource.jdbc(url, "SELECT * FROM t");
    DatasetInfo info = DatasetProbe.probe(source, allocator);
    assertThat(info.rowCount()).isEqualTo(1);
    assertThat(info.schema().findField("tz").getType())
        .isEqualTo(new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC"));
    assertThat(info.schema().findField("u").getType()).isEqualTo(ArrowType.Utf8.INSTANCE);
    try (BatchReader reader = BatchReader.open(source, allocator)) {
      assertThat(reader.loadNextBatch()).isTrue();
      VectorSchemaRoot root = reader.root();
      assertThat(SampleBatches.cell(root.getVector("tz"), 0)).isEqualTo("2024-03-01T12:00:00Z");
      assertThat(SampleBatches.cell(root.getVector("u"), 0))
          .isEqualTo("6f0c1b2e-8a55-4c39-9d0e-3a1b2c3d4e5f");
      assertThat(reader.loadNextBatch()).isFalse();
    }
  }

  @Test
  void jdbcQueryErrorIsInvalidDataNamingTheSourceButNotThePassword() {
    DatasetSource source =
        DatasetSource.jdbc(
            "jdbc:sqlite:" + dir.resolve("empty.db"), "SELECT * FROM missing", "u", "s3cret");
    assertThatThrownBy(() -> DatasetProbe.probe(source, allocator))
        .isInstanceOfSatisfying(
            SluiceException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
              assertThat(e.getMessage()).contains("empty.db").doesNotContain("s3cret");
            });
    assertThatThrownBy(() -> BatchReader.open(source, allocator))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA));
  }

  // ---- errors ----

  @Test
  void missingFileIsInvalidDataNamingThePath() {
    Path missing = dir.resolve("nope.csv");
    assertInvalidData(() -> DatasetProbe.probe(DatasetSource.file(missing), allocator), missing)
        .contains("no such file");
    assertInvalidData(() -> BatchReader.open(DatasetSource.file(missing), allocator), missing);
  }

  @Test
  void directoryIsInvalidDataNamingThePath() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("sub.parquet"));
    assertInvalidData(() -> DatasetProbe.probe(DatasetSource.file(sub), allocator), sub)
        .contains("not a regular file");
  }

  @Test
  void unreadableFileIsInvalidDataNamingThePath() throws IOException {
    Path csv = smallCsv();
    Files.setPosixFilePermissions(csv, PosixFilePermissions.fromString("---------"));
    Assumptions.assumeFalse(
        Files.isReadable(csv), "running as root: permissions do not stop reading here");
    assertInvalidData(() -> DatasetProbe.probe(DatasetSource.file(csv), allocator), csv)
        .contains("not readable");
  }

  @Test
  void malformedFilesAreInvalidDataNamingThePath() throws IOException {
    byte[] junk =
        "this is not a columnar file\n\u0000\u0001\u0002".getBytes(StandardCharsets.UTF_8);
    for (String name : List.of("bad.parquet", "bad.arrow", "bad.arrows")) {
      Path file = Files.write(dir.resolve(name), junk);
      assertInvalidData(() -> DatasetProbe.probe(DatasetSource.file(file), allocator), file);
      assertInvalidData(
          () -> {
            try (BatchReader r = BatchReader.open(DatasetSource.file(file), allocator)) {
              while (r.loadNextBatch()) {
                // drain
              }
            }
          },
          file);
    }
    Path ragged = dir.resolve("ragged.csv");
    Files.writeString(ragged, "a,b\n" + "1,2\n".repeat(3000) + "3,4,5,6\n");
    assertInvalidData(() -> DatasetProbe.probe(DatasetSource.file(ragged), allocator), ragged);
    Path latin1 = dir.resolve("latin1.csv");
    Files.write(latin1, "name\nZo\u00eb\n".getBytes(StandardCharsets.ISO_8859_1));
    assertInvalidData(() -> DatasetProbe.probe(DatasetSource.file(latin1), allocator), latin1);
  }

  @Test
  void truncatedArrowStreamIsInvalidData() throws IOException {
    Path whole = dir.resolve("whole.arrows");
    try (ResultWriter out = ResultWriter.open(whole, SampleBatches.SCHEMA, allocator);
        VectorSchemaRoot batch = SampleBatches.rows(allocator, 0, 50)) {
      out.write(batch);
      out.write(batch);
      out.commit();
    }
    byte[] bytes = Files.readAllBytes(whole);
    Path cut = Files.write(dir.resolve("cut.arrows"), Arrays.copyOf(bytes, bytes.length - 200));
    assertInvalidData(() -> DatasetProbe.probe(DatasetSource.file(cut), allocator), cut);
    assertInvalidData(
        () -> {
          try (BatchReader r = BatchReader.open(DatasetSource.file(cut), allocator)) {
            while (r.loadNextBatch()) {
              // drain
            }
          }
        },
        cut);
  }

  @Test
  void missingProjectedColumnNamesItAndTheAvailableOnes() throws IOException, SQLException {
    for (DatasetSource source :
        List.of(DatasetSource.file(smallCsv()), DatasetSource.file(parquet(10)))) {
      assertThatThrownBy(() -> BatchReader.open(source, allocator, 10, List.of("id", "salary")))
          .isInstanceOfSatisfying(
              SluiceException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                assertThat(e.getMessage()).contains("\"salary\"").contains("\"id\", \"name\"");
              });
    }
    Path arrow = dir.resolve("s.arrow");
    try (ResultWriter out = ResultWriter.open(arrow, SampleBatches.SCHEMA, allocator)) {
      out.commit();
    }
    assertThatThrownBy(
            () -> BatchReader.open(DatasetSource.file(arrow), allocator, 10, List.of("nope")))
        .hasMessageContaining("\"nope\"")
        .hasMessageContaining("\"at_utc\"");
  }

  @Test
  void sourcesValidateTheirDescription() {
    assertThatThrownBy(() -> DatasetSource.file(Path.of("data.xlsx")))
        .isInstanceOfSatisfying(
            SluiceException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("data.xlsx");
            });
    assertThat(DatasetSource.file(Path.of("x.FEATHER")).format()).isEqualTo(DataFormat.ARROW_FILE);
    assertThat(DatasetSource.file(Path.of("x.txt"), DataFormat.CSV).format())
        .isEqualTo(DataFormat.CSV);
    assertThatThrownBy(() -> DatasetSource.jdbc("postgres://h/db", "SELECT 1"))
        .hasMessageContaining("jdbc:");
    assertThatThrownBy(() -> DatasetSource.jdbc("jdbc:sqlite:x", "  ;  "))
        .hasMessageContaining("empty");
    assertThat(DatasetSource.jdbc("jdbc:sqlite:x", "SELECT 1 ;").query()).isEqualTo("SELECT 1");
    DatasetSource secret =
        DatasetSource.jdbc("jdbc:postgresql://u:pw@db/x?password=pw", "SELECT 1", "u", "pw");
    assertThat(secret.describe()).doesNotContain("pw");
    assertThat(secret.toString()).doesNotContain("pw");
    assertThatThrownBy(
            () -> BatchReader.open(DatasetSource.file(Path.of("a.csv")), allocator, 0, List.of()))
        .hasMessageContaining("maxBatchRows");
  }

  private static org.assertj.core.api.AbstractStringAssert<?> assertInvalidData(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Path path) {
    SluiceException e =
        (SluiceException)
            org.assertj.core.api.Assertions.catchThrowableOfType(SluiceException.class, call);
    assertThat(e).as("expected INVALID_DATA for " + path).isNotNull();
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
    assertThat(e.getMessage()).contains(path.toString());
    return assertThat(e.getMessage());
  }

  private static List<String> names(Schema schema) {
    return schema.getFields().stream().map(Field::getName).toList();
  }
}
