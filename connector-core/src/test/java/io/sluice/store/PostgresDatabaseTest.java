package io.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresDatabaseTest extends DatabaseContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.postgres();

  @Override
  Database open() {
    return store.open();
  }

  @Test
  void migratesIntoTheSchemaOfTheUrl() {
    Database database = open();
    String schema = database.schema().orElseThrow();
    assertThat(schema).startsWith("sluice_test_");
    long tables =
        database.read(
            c -> {
              try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT COUNT(*) FROM information_schema.tables"
                          + " WHERE table_schema = ? AND table_name IN"
                          + " ('audit_entries', 'audit_tree_heads', 'flyway_schema_history')")) {
                s.setString(1, schema);
                try (ResultSet rows = s.executeQuery()) {
                  rows.next();
                  return rows.getLong(1);
                }
              }
            });
    assertThat(tables).isEqualTo(3);
  }
}
