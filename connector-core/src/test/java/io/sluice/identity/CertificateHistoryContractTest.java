package io.sluice.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.store.Database;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One contract for the certificate history; subclasses run it on SQLite and PostgreSQL. */
abstract class CertificateHistoryContractTest {
  @TempDir Path dir;

  abstract Database open();

  @Test
  void keepsEveryCertificateOnceInTheOrderFirstUsedAcrossARestart() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    var first = ca.issue("fund", List.of("r"), Map.of()).certificate();
    var second = ca.issue("fund", List.of("r"), Map.of()).certificate();
    try (Database db = open()) {
      CertificateHistory history = new CertificateHistory(db);
      assertThat(history.all()).isEmpty();
      history.record(second, Instant.parse("2026-02-01T00:00:00Z"));
      history.record(first, Instant.parse("2026-01-01T00:00:00Z"));
      history.record(first, Instant.parse("2026-03-01T00:00:00Z"));
    }
    try (Database db = open()) {
      List<java.security.cert.X509Certificate> all = new CertificateHistory(db).all();
      assertThat(all).hasSize(2);
      assertThat(all.get(0).getEncoded()).isEqualTo(first.getEncoded());
      assertThat(all.get(1).getEncoded()).isEqualTo(second.getEncoded());
    }
  }
}
