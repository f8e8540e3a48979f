package io.sluice.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * A node's relational store: a connection pool over an embedded SQLite file (the default) or a
 * PostgreSQL database, with the schema migrated to the newest version when it opens.
 *
 * <p>URLs:
 *
 * <ul>
 *   <li>{@code jdbc:sqlite:<path>}: the file and its parent folders are created. Every connection
 *       runs with {@code journal_mode=WAL} (readers never block the writer), {@code
 *       synchronous=FULL} (a committed transaction survives power loss), {@code foreign_keys=ON}
 *       and a busy timeout. SQLite allows one writer at a time, so {@link #inTransaction}
 *       serializes this process's write transactions on a lock; that avoids the deadlock of two
 *       deferred transactions both upgrading to write.
 *   <li>{@code jdbc:postgresql://host:port/db?user=...&currentSchema=s}: a HikariCP pool. With
 *       {@code currentSchema}, the tables live in that schema, which the migration creates if
 *       needed (how tests isolate their runs); without it, in the user's default schema.
 * </ul>
 *
 * <p>Migrations: Flyway, from {@code classpath:db/migration/<vendor>} (see {@link
 * Dialect#migrationFolder()}); every version has a file for each vendor.
 *
 * <p>The owner closes it, after everything that uses it.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  /** How long SQLite waits for another process's write lock before reporting BUSY. */
  static final int SQLITE_BUSY_TIMEOUT_MILLIS = 10_000;

  private static final int MAX_ATTEMPTS = 5;

  /** Work done with a connection; may throw {@link SQLException}. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private final Dialect dialect;
  private final HikariDataSource pool;
  private final Optional<String> schema;
  private final ReentrantLock sqliteWriteLock = new ReentrantLock(true);

  private Database(Dialect dialect, HikariDataSource pool, Optional<String> schema) {
    this.dialect = dialect;
    this.pool = pool;
    this.schema = schema;
  }

  /**
   * Opens the store at {@code jdbcUrl} and migrates its schema.
   *
   * @throws SluiceException INVALID_CONFIG for an unsupported or malformed URL; UNAVAILABLE if the
   *     database cannot be reached or migrated
   */
  public static Database open(String jdbcUrl) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Dialect dialect = Dialect.ofUrl(jdbcUrl);
    HikariConfig config = new HikariConfig();
    config.setPoolName("sluice-store");
    Optional<String> schema = Optional.empty();
    switch (dialect) {
      case SQLITE -> {
        config.setDataSource(sqliteDataSource(jdbcUrl));
        config.setMaximumPoolSize(4);
      }
      case POSTGRESQL -> {
        config.setJdbcUrl(jdbcUrl);
        // Batched inserts become multi-row INSERTs: several times faster for the audit log.
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.setMaximumPoolSize(8);
        schema = queryParameter(jdbcUrl, "currentSchema").map(s -> s.split(",")[0].trim());
      }
    }
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new SluiceException(ErrorCode.UNAVAILABLE, "cannot connect to the store", e);
    }
    Database database = new Database(dialect, pool, schema);
    try {
      database.migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return database;
  }

  private static DataSource sqliteDataSource(String jdbcUrl) {
    String rest = jdbcUrl.substring("jdbc:sqlite:".length());
    int query = rest.indexOf('?');
    String file = query < 0 ? rest : rest.substring(0, query);
    if (file.isEmpty() || file.startsWith(":memory:") || file.contains("mode=memory")) {
      throw new SluiceException(
          ErrorCode.INVALID_CONFIG, "a SQLite store must be a file: jdbc:sqlite:<path>");
    }
    Path path = Path.of(file.startsWith("file:") ? file.substring("file:".length()) : file);
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.IO_ERROR, "cannot create the store's folder", e);
    }
    SQLiteConfig sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    sqlite.enforceForeignKeys(true);
    sqlite.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MILLIS);
    SQLiteDataSource dataSource = new SQLiteDataSource(sqlite);
    dataSource.setUrl(jdbcUrl);
    return dataSource;
  }

  static Optional<String> queryParameter(String url, String name) {
    int query = url.indexOf('?');
    if (query < 0) {
      return Optional.empty();
    }
    for (String pair : url.substring(query + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return Optional.of(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8))
            .filter(v -> !v.isBlank());
      }
    }
    return Optional.empty();
  }

  private void migrate() {
    var configuration =
        Flyway.configure(Database.class.getClassLoader())
            .dataSource(pool)
            .locations("classpath:db/migration/" + dialect.migrationFolder())
            .validateMigrationNaming(true);
    schema.ifPresent(s -> configuration.schemas(s).defaultSchema(s).createSchemas(true));
    try {
      var result = configuration.load().migrate();
      if (result.migrationsExecuted > 0) {
        LOG.info(
            "store migrated to version {} ({} migrations)",
            result.targetSchemaVersion,
            result.migrationsExecuted);
      }
    } catch (FlywayException e) {
      throw new SluiceException(ErrorCode.UNAVAILABLE, "cannot migrate the store's schema", e);
    }
  }

  public Dialect dialect() {
    return dialect;
  }

  /** The PostgreSQL schema named by {@code currentSchema}, if any. */
  public Optional<String> schema() {
    return schema;
  }

  /**
   * The pool, for code that manages its own connections (in autocommit mode unless it changes
   * that). Prefer {@link #inTransaction} and {@link #read}.
   */
  public DataSource dataSource() {
    return pool;
  }

  /**
   * Runs {@code work} in one read-write transaction and commits it. A transient failure (see {@link
   * Dialect#isTransient}) rolls back and runs the work again, up to 5 times with a short random
   * back-off, so {@code work} must have no effect outside its connection until it returns. Do not
   * nest: on SQLite a nested write transaction would wait for the outer one.
   *
   * @throws SluiceException IO_ERROR if the database fails (or stays busy); a {@link
   *     RuntimeException} from {@code work} is rethrown after the rollback
   */
  public <T> T inTransaction(Work<T> work) {
    Objects.requireNonNull(work, "work");
    if (dialect == Dialect.SQLITE) {
      sqliteWriteLock.lock();
      try {
        return withRetries(work, false);
      } finally {
        sqliteWriteLock.unlock();
      }
    }
    return withRetries(work, false);
  }

  /** {@link #inTransaction} for work without a result. */
  public void runInTransaction(Work<?> work) {
    inTransaction(work);
  }

  /**
   * Runs {@code work} in a read-only transaction that sees one consistent snapshot of the database
   * (PostgreSQL REPEATABLE READ; a SQLite read transaction), so a long scan is not torn by
   * concurrent appends. Retried like {@link #inTransaction}. On PostgreSQL, result sets with a
   * fetch size stream instead of loading every row.
   */
  public <T> T read(Work<T> work) {
    Objects.requireNonNull(work, "work");
    return withRetries(work, true);
  }

  /**
   * Runs one read-only statement in auto-commit mode: no transaction to begin and end, so on
   * PostgreSQL one network round trip instead of three. Use {@link #read} when several statements
   * must see the same snapshot.
   */
  public <T> T query(Work<T> work) {
    Objects.requireNonNull(work, "work");
    for (int attempt = 1; ; attempt++) {
      try (Connection connection = pool.getConnection()) {
        connection.setAutoCommit(true);
        return work.run(connection);
      } catch (SQLException e) {
        if (attempt >= MAX_ATTEMPTS || !dialect.isTransient(e)) {
          throw new SluiceException(
              ErrorCode.IO_ERROR, "the store failed (SQLState " + e.getSQLState() + ")", e);
        }
        backOff(attempt);
      }
    }
  }

  private <T> T withRetries(Work<T> work, boolean readOnly) {
    for (int attempt = 1; ; attempt++) {
      try {
        return once(work, readOnly);
      } catch (SQLException e) {
        if (attempt >= MAX_ATTEMPTS || !dialect.isTransient(e)) {
          throw new SluiceException(
              ErrorCode.IO_ERROR, "the store failed (SQLState " + e.getSQLState() + ")", e);
        }
        backOff(attempt);
      }
    }
  }

  private <T> T once(Work<T> work, boolean readOnly) throws SQLException {
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      if (readOnly && dialect == Dialect.POSTGRESQL) {
        connection.setReadOnly(true);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      }
      try {
        T result = work.run(connection);
        if (readOnly) {
          connection.rollback();
        } else {
          connection.commit();
        }
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        rollbackQuietly(connection, e);
        throw e;
      }
    }
  }

  private static void rollbackQuietly(Connection connection, Throwable failure) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  private static void backOff(int attempt) {
    long millis = (5L << attempt) + ThreadLocalRandom.current().nextLong(10);
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException(ErrorCode.UNAVAILABLE, "interrupted while retrying", e);
    }
  }

  /** Closes the pool; connections still borrowed are closed as they are returned. */
  @Override
  public void close() {
    pool.close();
  }

  @Override
  public String toString() {
    return "Database[" + dialect + schema.map(s -> ", schema " + s).orElse("") + "]";
  }
}
