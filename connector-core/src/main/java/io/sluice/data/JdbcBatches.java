package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.apache.arrow.adapter.jdbc.ArrowVectorIterator;
import org.apache.arrow.adapter.jdbc.JdbcToArrow;
import org.apache.arrow.adapter.jdbc.JdbcToArrowConfig;
import org.apache.arrow.adapter.jdbc.JdbcToArrowUtils;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Raw batches of a JDBC query through arrow-jdbc's {@link ArrowVectorIterator}, which fills one
 * reused root with up to {@code batchRows} rows at a time from a forward-only result set.
 */
final class JdbcBatches implements RawBatches {
  private final Connection conn;
  private final PreparedStatement statement;
  private final ResultSet resultSet;
  private final ArrowVectorIterator iterator;
  private final Schema schema;

  private JdbcBatches(
      Connection conn,
      PreparedStatement statement,
      ResultSet resultSet,
      ArrowVectorIterator iterator,
      Schema schema) {
    this.conn = conn;
    this.statement = statement;
    this.resultSet = resultSet;
    this.iterator = iterator;
    this.schema = schema;
  }

  static JdbcBatches open(DatasetSource.Jdbc source, BufferAllocator allocator, int batchRows)
      throws SQLException, IOException {
    Connection conn = JdbcSupport.connect(source);
    PreparedStatement ps = null;
    ResultSet rs = null;
    try {
      ps =
          conn.prepareStatement(
              source.query(), ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
      ps.setFetchSize(Math.min(batchRows, 10_000));
      JdbcToArrowConfig config =
          JdbcSupport.config(allocator, batchRows, JdbcSupport.declaredTypes(ps));
      rs = ps.executeQuery();
      Schema schema = JdbcToArrowUtils.jdbcToArrowSchema(rs.getMetaData(), config);
      ArrowVectorIterator it = JdbcToArrow.sqlToArrowVectorIterator(rs, config);
      return new JdbcBatches(conn, ps, rs, it, schema);
    } catch (SQLException | IOException | RuntimeException e) {
      closeQuietly(e, rs, ps);
      try {
        JdbcSupport.close(conn);
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  @Override
  public Schema schema() {
    return schema;
  }

  /** The next non-empty batch: JDBC has no batches, so an empty one is only an artifact. */
  @Override
  public VectorSchemaRoot next() {
    while (iterator.hasNext()) {
      VectorSchemaRoot root = iterator.next();
      if (root.getRowCount() > 0) {
        return root;
      }
    }
    return null;
  }

  @Override
  public Dictionary dictionary(long id) {
    return null;
  }

  @Override
  public void close() {
    AutoCloseable[] inOrder = {iterator, resultSet, statement, () -> JdbcSupport.close(conn)};
    Exception failure = null;
    for (AutoCloseable c : inOrder) {
      try {
        c.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw new SluiceException(ErrorCode.IO_ERROR, "closing a JDBC source failed", failure);
    }
  }

  private static void closeQuietly(Exception primary, AutoCloseable... closeables) {
    for (AutoCloseable c : closeables) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception suppressed) {
          primary.addSuppressed(suppressed);
        }
      }
    }
  }
}
