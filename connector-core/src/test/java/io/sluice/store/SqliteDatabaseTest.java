package io.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class SqliteDatabaseTest extends DatabaseContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.sqlite();

  @Override
  Database open() {
    return store.open();
  }

  @Test
  void runsWithWriteAheadLoggingFullSyncAndForeignKeys() {
    Database database = open();
    assertThat(pragma(database, "journal_mode")).isEqualTo("wal");
    assertThat(pragma(database, "synchronous")).isEqualTo("2"); // FULL
    assertThat(pragma(database, "foreign_keys")).isEqualTo("1");
    assertThat(pragma(database, "busy_timeout"))
        .isEqualTo(String.valueOf(Database.SQLITE_BUSY_TIMEOUT_MILLIS));
  }

  @Test
  void createsTheFilesParentFolders(@TempDir Path dir) {
    Path file = dir.resolve("a/b/node.db");
    try (Database database = Database.open("jdbc:sqlite:" + file)) {
      assertThat(database.dialect()).isEqualTo(Dialect.SQLITE);
    }
    assertThat(Files.exists(file)).isTrue();
  }

  @Test
  void refusesAnInMemoryDatabaseAndForeignUrls() {
    assertThatThrownBy(() -> Database.open("jdbc:sqlite::memory:"))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.INVALID_CONFIG);
    assertThatThrownBy(() -> Database.open("jdbc:h2:mem:x"))
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.INVALID_CONFIG);
  }

  private static String pragma(Database database, String name) {
    return database.read(
        c -> {
          try (var rows = c.createStatement().executeQuery("PRAGMA " + name)) {
            rows.next();
            return rows.getString(1);
          }
        });
  }
}
