package io.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every store backend must have; run against SQLite and PostgreSQL by the subclasses.
 * A new store suite follows the same pattern: an abstract class with {@code open()} and one small
 * subclass per backend that registers a {@link TestDatabases.Store}.
 */
abstract class DatabaseContractTest {

  /** Opens this test's store; each call opens the same store again (a restart). */
  abstract Database open();

  @Test
  void migratesTheAuditTablesWhenItOpens() throws SQLException {
    Database database = open();
    assertThat(count(database, "SELECT COUNT(*) FROM audit_entries")).isZero();
    assertThat(count(database, "SELECT COUNT(*) FROM audit_tree_heads")).isZero();
  }

  @Test
  void keepsDataAcrossReopeningWithoutMigratingAgain() throws SQLException {
    try (Database database = open()) {
      createTable(database, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
      database.runInTransaction(
          c -> c.createStatement().executeUpdate("INSERT INTO kv VALUES ('a', 'one')"));
    }
    Database again = open();
    assertThat(count(again, "SELECT COUNT(*) FROM kv")).isEqualTo(1);
    assertThat(count(again, "SELECT COUNT(*) FROM audit_entries")).isZero();
  }

  @Test
  void commitsWhatTheWorkDid() throws SQLException {
    Database database = open();
    createTable(database, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    int inserted =
        database.inTransaction(
            c -> {
              c.createStatement().executeUpdate("INSERT INTO kv VALUES ('a', 'one')");
              return c.createStatement().executeUpdate("INSERT INTO kv VALUES ('b', 'two')");
            });
    assertThat(inserted).isEqualTo(1);
    assertThat(count(database, "SELECT COUNT(*) FROM kv")).isEqualTo(2);
  }

  @Test
  void rollsBackEverythingWhenTheWorkThrows() throws SQLException {
    Database database = open();
    createTable(database, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    assertThatThrownBy(
            () ->
                database.runInTransaction(
                    c -> {
                      c.createStatement().executeUpdate("INSERT INTO kv VALUES ('a', 'one')");
                      throw new IllegalStateException("boom");
                    }))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () ->
                database.runInTransaction(
                    c -> {
                      c.createStatement().executeUpdate("INSERT INTO kv VALUES ('a', 'one')");
                      return c.createStatement().executeUpdate("INSERT INTO kv VALUES ('a', 'x')");
                    }))
        .isInstanceOf(io.sluice.error.SluiceException.class)
        .hasMessageContaining("the store failed");
    assertThat(count(database, "SELECT COUNT(*) FROM kv")).isZero();
  }

  @Test
  void upsertInsertsThenUpdates() throws SQLException {
    Database database = open();
    createTable(database, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL, n BIGINT)");
    String upsert = database.dialect().upsert("kv", List.of("k"), List.of("k", "v", "n"));
    for (String value : List.of("one", "two")) {
      database.runInTransaction(
          c -> {
            try (PreparedStatement s = c.prepareStatement(upsert)) {
              s.setString(1, "a");
              s.setString(2, value);
              s.setLong(3, value.length());
              return s.executeUpdate();
            }
          });
    }
    assertThat(count(database, "SELECT COUNT(*) FROM kv")).isEqualTo(1);
    String stored =
        database.read(
            c -> {
              try (ResultSet rows = c.createStatement().executeQuery("SELECT v FROM kv")) {
                rows.next();
                return rows.getString(1);
              }
            });
    assertThat(stored).isEqualTo("two");
  }

  @Test
  void storesBytesAndGeneratesKeysWithTheDialectsTypes() throws SQLException {
    Database database = open();
    Dialect dialect = database.dialect();
    createTable(
        database,
        "CREATE TABLE blobs (id "
            + dialect.autoIncrementKey()
            + ", data "
            + dialect.binaryType()
            + " NOT NULL)");
    byte[] data = {0, 1, (byte) 0xff, 0x7f, 0};
    database.runInTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement("INSERT INTO blobs (data) VALUES (?)")) {
            s.setBytes(1, data);
            s.executeUpdate();
            s.setBytes(1, new byte[0]);
            return s.executeUpdate();
          }
        });
    List<Long> ids = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    database.read(
        c -> {
          try (ResultSet rows =
              c.createStatement().executeQuery("SELECT id, data FROM blobs ORDER BY id")) {
            while (rows.next()) {
              ids.add(rows.getLong(1));
              values.add(rows.getBytes(2));
            }
          }
          return null;
        });
    assertThat(ids).hasSize(2);
    assertThat(ids.get(1)).isGreaterThan(ids.get(0));
    assertThat(values.get(0)).isEqualTo(data);
    assertThat(values.get(1)).isEmpty();
  }

  @Test
  void concurrentReadModifyWriteTransactionsLoseNoUpdate() throws Exception {
    Database database = open();
    createTable(database, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)");
    database.runInTransaction(
        c -> c.createStatement().executeUpdate("INSERT INTO counter VALUES (1, 0)"));
    String select = "SELECT n FROM counter WHERE id = 1" + database.dialect().forUpdate();
    int threads = 4;
    int increments = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < increments; i++) {
                    database.runInTransaction(
                        c -> {
                          long n;
                          try (ResultSet rows = c.createStatement().executeQuery(select)) {
                            rows.next();
                            n = rows.getLong(1);
                          }
                          try (PreparedStatement update =
                              c.prepareStatement("UPDATE counter SET n = ? WHERE id = 1")) {
                            update.setLong(1, n + 1);
                            return update.executeUpdate();
                          }
                        });
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(count(database, "SELECT n FROM counter WHERE id = 1"))
        .isEqualTo(threads * increments);
  }

  @Test
  void aReadTransactionSeesOneSnapshot() throws SQLException {
    Database database = open();
    createTable(database, "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    database.runInTransaction(
        c -> c.createStatement().executeUpdate("INSERT INTO kv VALUES ('a', 'one')"));
    long[] counts =
        database.read(
            c -> {
              long before = countIn(c, "SELECT COUNT(*) FROM kv");
              database.runInTransaction(
                  w -> w.createStatement().executeUpdate("INSERT INTO kv VALUES ('b', 'two')"));
              return new long[] {before, countIn(c, "SELECT COUNT(*) FROM kv")};
            });
    assertThat(counts).containsExactly(1, 1);
    assertThat(count(database, "SELECT COUNT(*) FROM kv")).isEqualTo(2);
  }

  static void createTable(Database database, String ddl) {
    database.runInTransaction(c -> c.createStatement().executeUpdate(ddl));
  }

  static long count(Database database, String sql) {
    return database.read(c -> countIn(c, sql));
  }

  private static long countIn(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rows = s.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
