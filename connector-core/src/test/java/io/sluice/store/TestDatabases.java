package io.sluice.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Fresh stores for tests, for every module's store tests (shipped in connector-core's test-jar).
 *
 * <p>Register one per test class and implement the contract suite's {@code open()} with it:
 *
 * <pre>
 * class PostgresWidgetStoreTest extends WidgetStoreContractTest {
 *   &#64;RegisterExtension final TestDatabases.Store store = TestDatabases.postgres();
 *
 *   &#64;Override
 *   Database open() {
 *     return store.open();
 *   }
 * }
 * </pre>
 *
 * Before each test the extension makes a new, empty location: a SQLite file in a new temporary
 * folder, or a PostgreSQL schema with a random name. {@link Store#open()} opens it (again, for a
 * restart); after the test every database opened through it is closed and the location removed, so
 * runs never see each other's data.
 *
 * <p>PostgreSQL comes from the JDBC URL in the environment variable {@value #PG_URL_ENV} (e.g.
 * {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}); if it is not set, from a
 * Testcontainers container when Docker is available; otherwise PostgreSQL tests are skipped with
 * the reason printed to stdout and reported by JUnit. A URL that is set but does not answer fails
 * the tests.
 */
public final class TestDatabases {
  public static final String PG_URL_ENV = "SLUICE_TEST_PG_URL";

  private static String postgresUrl;
  private static String postgresSkipReason;

  private TestDatabases() {}

  /** A fresh SQLite file per test. */
  public static Store sqlite() {
    return new Store(Dialect.SQLITE);
  }

  /** A fresh PostgreSQL schema per test, or a skip with the reason. */
  public static Store postgres() {
    return new Store(Dialect.POSTGRESQL);
  }

  /** The PostgreSQL server URL for tests, or null after printing why there is none. */
  private static synchronized String postgresServer() {
    if (postgresUrl != null || postgresSkipReason != null) {
      return postgresUrl;
    }
    String fromEnv = System.getenv(PG_URL_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      postgresUrl = fromEnv;
    } else if (dockerAvailable()) {
      @SuppressWarnings("resource") // stopped by Testcontainers when the JVM exits
      PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
      container.start();
      postgresUrl =
          container.getJdbcUrl()
              + (container.getJdbcUrl().contains("?") ? "&" : "?")
              + "user="
              + container.getUsername()
              + "&password="
              + container.getPassword();
    } else {
      postgresSkipReason =
          "PostgreSQL store tests skipped: "
              + PG_URL_ENV
              + " is not set and Docker is not available for Testcontainers";
      System.out.println(postgresSkipReason);
    }
    return postgresUrl;
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** One test's store location; see the class comment. */
  public static final class Store implements BeforeEachCallback, AfterEachCallback {
    private final Dialect dialect;
    private final List<Database> opened = new ArrayList<>();
    private String url;
    private Path folder;
    private String server;
    private String schema;

    private Store(Dialect dialect) {
      this.dialect = dialect;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
      switch (dialect) {
        case SQLITE -> {
          folder = Files.createTempDirectory("sluice-store-");
          url = "jdbc:sqlite:" + folder.resolve("store.db");
        }
        case POSTGRESQL -> {
          server = postgresServer();
          if (server == null) {
            System.out.println(context.getDisplayName() + ": " + postgresSkipReason);
            Assumptions.abort(postgresSkipReason);
          }
          schema =
              "sluice_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
          execute(server, "CREATE SCHEMA " + schema);
          url = server + (server.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        }
      }
    }

    /** Opens (or re-opens) this test's store; closed after the test. */
    public Database open() {
      if (url == null) {
        throw new IllegalStateException("register the Store with @RegisterExtension");
      }
      Database database = Database.open(url);
      synchronized (opened) {
        opened.add(database);
      }
      return database;
    }

    /** The JDBC URL of this test's store. */
    public String url() {
      return url;
    }

    public Dialect dialect() {
      return dialect;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
      synchronized (opened) {
        for (int i = opened.size() - 1; i >= 0; i--) {
          opened.get(i).close();
        }
        opened.clear();
      }
      if (schema != null) {
        execute(server, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        schema = null;
      }
      if (folder != null) {
        deleteRecursively(folder);
        folder = null;
      }
      url = null;
    }

    private static void execute(String serverUrl, String sql) throws SQLException {
      try (Connection connection = DriverManager.getConnection(serverUrl);
          Statement statement = connection.createStatement()) {
        statement.execute(sql);
      }
    }

    private static void deleteRecursively(Path root) {
      try (Stream<Path> paths = Files.walk(root)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
