package io.sluice.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compare.Range;
import org.apache.arrow.vector.compare.RangeEqualsVisitor;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.ipc.JsonFileReader;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Validator;
import org.apache.arrow.vector.util.ValueVectorUtility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Arrow IPC file and stream of apache/arrow-testing's integration set in {@code
 * shared/vectors/arrow} loads through {@link BatchReader} exactly as its JSON twin says, read with
 * arrow-vector's own {@link JsonFileReader}: the same schema, batch for batch the same values, and
 * the same again when the reader slices the batches into 7-row pieces. Dictionary-encoded columns
 * are compared decoded, since {@link BatchReader} decodes them. No file is skipped: Arrow Java 19
 * reads every type in this set (see {@link #SKIPPED}).
 */
class ArrowVectorFilesTest {
  /** Files Arrow Java cannot read, by base name, with the reason; none in this set. */
  private static final Map<String, String> SKIPPED = Map.of();

  private BufferAllocator allocator;
  @TempDir Path temp;

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void tearDown() {
    allocator.close();
  }

  static Stream<Arguments> vectorFiles() throws IOException {
    Path dir = TestVectors.folder("arrow");
    List<Arguments> files = new ArrayList<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.sorted().toList()) {
        String name = p.getFileName().toString();
        if (name.endsWith(".arrow_file")) {
          files.add(Arguments.of(p, DataFormat.ARROW_FILE));
        } else if (name.endsWith(".stream")) {
          files.add(Arguments.of(p, DataFormat.ARROW_STREAM));
        }
      }
    }
    return files.stream();
  }

  @Test
  void everyVectorFileHasItsJsonTwinAndThereAreSome() throws IOException {
    List<Arguments> files = vectorFiles().toList();
    assertThat(files).hasSizeGreaterThanOrEqualTo(18);
    for (Arguments a : files) {
      assertThat(jsonTwin((Path) a.get()[0])).exists();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectorFiles")
  void loadsExactlyAsItsJsonSays(Path file, DataFormat format) throws IOException {
    String base = baseName(file);
    if (SKIPPED.containsKey(base)) {
      System.out.println("skipping " + file + ": " + SKIPPED.get(base));
      return;
    }
    DatasetSource source = DatasetSource.file(file, format);
    Path json = gunzip(jsonTwin(file));

    List<VectorSchemaRoot> expected = new ArrayList<>();
    try (JsonFileReader jsonReader = new JsonFileReader(json.toFile(), allocator)) {
      Schema jsonSchema = jsonReader.start();
      for (VectorSchemaRoot batch = jsonReader.read(); batch != null; batch = jsonReader.read()) {
        try (VectorSchemaRoot read = batch) {
          expected.add(decoded(read, jsonReader));
        }
      }
      Schema expectedSchema = decodedSchema(jsonSchema, jsonReader);
      long expectedRows = expected.stream().mapToLong(VectorSchemaRoot::getRowCount).sum();
      try {
        DatasetInfo info = DatasetProbe.probe(source, allocator);
        assertThat(info.schema()).isEqualTo(expectedSchema);
        assertThat(info.rowCount()).isEqualTo(expectedRows);

        try (BatchReader reader =
            BatchReader.open(source, allocator, Integer.MAX_VALUE, List.of())) {
          assertThat(reader.schema()).isEqualTo(expectedSchema);
          for (VectorSchemaRoot want : expected) {
            assertThat(reader.loadNextBatch()).isTrue();
            assertSame(want, reader.root());
          }
          assertThat(reader.loadNextBatch()).isFalse();
        }

        int slice = 7;
        try (BatchReader reader = BatchReader.open(source, allocator, slice, List.of())) {
          for (VectorSchemaRoot want : expected) {
            if (want.getRowCount() == 0) {
              assertThat(reader.loadNextBatch()).isTrue();
              assertThat(reader.root().getRowCount()).isZero();
              continue;
            }
            for (int at = 0; at < want.getRowCount(); at += slice) {
              int n = Math.min(slice, want.getRowCount() - at);
              assertThat(reader.loadNextBatch()).isTrue();
              assertSameRows(want, at, n, reader.root());
            }
          }
          assertThat(reader.loadNextBatch()).isFalse();
        }
      } finally {
        expected.forEach(VectorSchemaRoot::close);
      }
    }
  }

  private static void assertSame(VectorSchemaRoot want, VectorSchemaRoot got) {
    assertThat(got.getRowCount()).isEqualTo(want.getRowCount());
    for (FieldVector v : got.getFieldVectors()) {
      // validate, not validateFull: the generated decimals exceed their declared precision on
      // purpose, and validateFull throws on FixedSizeList (it asks for an offset buffer)
      ValueVectorUtility.validate(v);
    }
    Validator.compareVectorSchemaRoot(want, got);
    assertThat(got.equals(want)).as("VectorSchemaRoot.equals").isTrue();
  }

  /**
   * The JSON batch with dictionary-encoded columns decoded, as {@link BatchReader} yields it, in a
   * root made from the expected schema (so that its vectors carry exactly the expected fields).
   */
  private VectorSchemaRoot decoded(VectorSchemaRoot batch, JsonFileReader dictionaries) {
    Schema schema = decodedSchema(batch.getSchema(), dictionaries);
    VectorSchemaRoot out = VectorSchemaRoot.create(schema, allocator);
    for (int i = 0; i < batch.getFieldVectors().size(); i++) {
      FieldVector v = batch.getVector(i);
      DictionaryEncoding encoding = v.getField().getDictionary();
      if (encoding == null) {
        v.makeTransferPair(out.getVector(i)).transfer();
      } else {
        Dictionary dictionary = dictionaries.lookup(encoding.getId());
        try (FieldVector values =
            (FieldVector) DictionaryEncoder.decode(v, dictionary, allocator)) {
          values.makeTransferPair(out.getVector(i)).transfer();
        }
      }
    }
    out.setRowCount(batch.getRowCount());
    return out;
  }

  /** Rows {@code [at, at + n)} of {@code want} are {@code got}, value by value. */
  private static void assertSameRows(VectorSchemaRoot want, int at, int n, VectorSchemaRoot got) {
    assertThat(got.getSchema()).isEqualTo(want.getSchema());
    assertThat(got.getRowCount()).isEqualTo(n);
    for (int c = 0; c < want.getFieldVectors().size(); c++) {
      FieldVector w = want.getVector(c);
      FieldVector g = got.getVector(c);
      ValueVectorUtility.validate(g);
      assertThat(new RangeEqualsVisitor(w, g).rangeEquals(new Range(at, 0, n)))
          .as("%s rows %d..%d", w.getName(), at, at + n)
          .isTrue();
    }
  }

  private static Schema decodedSchema(Schema schema, JsonFileReader dictionaries) {
    List<Field> fields = new ArrayList<>();
    for (Field f : schema.getFields()) {
      DictionaryEncoding encoding = f.getDictionary();
      fields.add(encoding == null ? f : decodedField(f, dictionaries.lookup(encoding.getId())));
    }
    return new Schema(fields, schema.getCustomMetadata());
  }

  private static Field decodedField(Field encoded, Dictionary dictionary) {
    Field values = dictionary.getVector().getField();
    return new Field(
        encoded.getName(),
        new FieldType(encoded.isNullable(), values.getType(), null, encoded.getMetadata()),
        values.getChildren());
  }

  private static String baseName(Path file) {
    String name = file.getFileName().toString();
    return name.substring(0, name.lastIndexOf('.'));
  }

  private static Path jsonTwin(Path file) {
    return file.resolveSibling(baseName(file) + ".json.gz");
  }

  private Path gunzip(Path gz) throws IOException {
    Path out = temp.resolve(baseName(gz.resolveSibling(baseName(gz))) + ".json");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      Files.copy(in, out);
    }
    return out;
  }
}
