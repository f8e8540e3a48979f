package io.sluice.compute;

import io.sluice.data.BatchReader;
import io.sluice.data.DatasetSource;
import io.sluice.data.ResultWriter;
import io.sluice.psi.LabelMatch;
import io.sluice.psi.PsiReceiverResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes a receiver's released result: its own columns for the matched rows (psi), plus the
 * revealed label columns, one row per match (psi-label), or the intersection size with both sides'
 * distinct key counts (psi-cardinality). Reads the input again batch by batch, so memory holds one
 * batch; the output file appears only when everything was written ({@link ResultWriter} commits
 * atomically).
 */
public final class ResultAssembler {
  private ResultAssembler() {}

  /** Writes the result and returns the number of rows written. */
  public static long write(
      PsiReceiverResult result,
      DatasetSource input,
      PayloadCodec labels,
      Path output,
      BufferAllocator allocator,
      int batchRows) {
    return switch (result.mode()) {
      case CARDINALITY -> writeCount(result, output, allocator);
      case PSI, LABEL -> writeRows(result, input, labels, output, allocator, batchRows);
    };
  }

  private static long writeCount(PsiReceiverResult result, Path output, BufferAllocator allocator) {
    Schema schema =
        new Schema(
            List.of(
                new Field(
                    "intersection_size", FieldType.notNullable(new ArrowType.Int(64, true)), null),
                new Field(
                    "receiver_keys", FieldType.notNullable(new ArrowType.Int(64, true)), null),
                new Field(
                    "sender_keys", FieldType.notNullable(new ArrowType.Int(64, true)), null)));
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ResultWriter writer = ResultWriter.open(output, schema, allocator)) {
      root.allocateNew();
      ((BigIntVector) root.getVector(0)).setSafe(0, result.intersectionSize().orElse(0));
      ((BigIntVector) root.getVector(1)).setSafe(0, result.input().distinctKeys());
      ((BigIntVector) root.getVector(2)).setSafe(0, result.senderKeys());
      root.setRowCount(1);
      writer.write(root);
      writer.commit();
    }
    return 1;
  }

  private static long writeRows(
      PsiReceiverResult result,
      DatasetSource input,
      PayloadCodec labels,
      Path output,
      BufferAllocator allocator,
      int batchRows) {
    boolean labelled = result.mode() == io.sluice.psi.PsiMode.LABEL;
    if (labelled && labels == null) {
      throw new IllegalArgumentException("a labelled result needs the payload codec");
    }
    try (BatchReader reader = BatchReader.open(input, allocator, batchRows, List.of())) {
      Schema inputSchema = reader.schema();
      List<Field> fields = new ArrayList<>(inputSchema.getFields());
      List<String> labelNames = new ArrayList<>();
      if (labelled) {
        Set<String> taken = new HashSet<>();
        fields.forEach(f -> taken.add(f.getName()));
        for (Field f : labels.schema().getFields()) {
          String name = taken.contains(f.getName()) ? "label_" + f.getName() : f.getName();
          taken.add(name);
          labelNames.add(name);
          fields.add(new Field(name, FieldType.nullable(f.getType()), null));
        }
      }
      Schema schema = new Schema(fields);
      int[] matched = result.matchedRows();
      List<LabelMatch> matches = result.labels();
      long written = 0;
      try (VectorSchemaRoot out = VectorSchemaRoot.create(schema, allocator);
          ResultWriter writer = ResultWriter.open(output, schema, allocator)) {
        long base = 0;
        int m = 0; // next index into matched (psi) or matches (label)
        while (reader.loadNextBatch()) {
          VectorSchemaRoot in = reader.root();
          int rows = in.getRowCount();
          out.allocateNew();
          int n = 0;
          if (labelled) {
            while (m < matches.size() && matches.get(m).receiverRow() < base + rows) {
              LabelMatch match = matches.get(m++);
              int row = (int) (match.receiverRow() - base);
              copyRow(in, out, row, n, inputSchema.getFields().size());
              String[] values = labels.decode(match.payload());
              for (int c = 0; c < values.length; c++) {
                PayloadCodec.set(out.getVector(labelNames.get(c)), n, values[c]);
              }
              n++;
            }
          } else {
            while (m < matched.length && matched[m] < base + rows) {
              copyRow(in, out, (int) (matched[m++] - base), n, inputSchema.getFields().size());
              n++;
            }
          }
          if (n > 0) {
            out.setRowCount(n);
            writer.write(out);
            written += n;
          }
          base += rows;
        }
        if (written == 0) {
          out.allocateNew();
          out.setRowCount(0);
          writer.write(out);
        }
        writer.commit();
      }
      return written;
    }
  }

  private static void copyRow(
      VectorSchemaRoot in, VectorSchemaRoot out, int from, int to, int columns) {
    for (int c = 0; c < columns; c++) {
      FieldVector target = out.getVector(c);
      target.copyFromSafe(from, to, in.getVector(c));
    }
  }
}
