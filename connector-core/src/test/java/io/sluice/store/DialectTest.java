package io.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DialectTest {
  @Test
  void recognisesTheVendorOfAUrl() {
    assertThat(Dialect.ofUrl("jdbc:sqlite:/tmp/x.db")).isEqualTo(Dialect.SQLITE);
    assertThat(Dialect.ofUrl("jdbc:postgresql://h/db")).isEqualTo(Dialect.POSTGRESQL);
  }

  @Test
  void retriesOnlyBusyLockedSerializationAndDeadlockFailures() {
    assertThat(Dialect.SQLITE.isTransient(new SQLException("busy", null, 5))).isTrue();
    assertThat(Dialect.SQLITE.isTransient(new SQLException("busy snapshot", null, 517))).isTrue();
    assertThat(Dialect.SQLITE.isTransient(new SQLException("locked", null, 6))).isTrue();
    assertThat(Dialect.SQLITE.isTransient(new SQLException("constraint", null, 19))).isFalse();
    assertThat(Dialect.POSTGRESQL.isTransient(new SQLException("x", "40001"))).isTrue();
    assertThat(Dialect.POSTGRESQL.isTransient(new SQLException("x", "40P01"))).isTrue();
    assertThat(Dialect.POSTGRESQL.isTransient(new SQLException("x", "23505"))).isFalse();
    SQLException wrapped = new SQLException("batch failed", "XX000");
    wrapped.setNextException(new SQLException("x", "40001"));
    assertThat(Dialect.POSTGRESQL.isTransient(wrapped)).isTrue();
  }

  @Test
  void writesOneUpsertForBothVendors() {
    String sql = Dialect.SQLITE.upsert("kv", List.of("k"), List.of("k", "v"));
    assertThat(sql)
        .isEqualTo(
            "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v");
    assertThat(Dialect.POSTGRESQL.upsert("kv", List.of("k"), List.of("k", "v"))).isEqualTo(sql);
    assertThat(Dialect.SQLITE.upsert("s", List.of("k"), List.of("k")))
        .endsWith("ON CONFLICT (k) DO NOTHING");
  }

  @Test
  void readsTheSchemaFromTheUrl() {
    assertThat(
            Database.queryParameter(
                "jdbc:postgresql://h/db?user=u&currentSchema=s1", "currentSchema"))
        .contains("s1");
    assertThat(Database.queryParameter("jdbc:postgresql://h/db", "currentSchema")).isEmpty();
  }
}
