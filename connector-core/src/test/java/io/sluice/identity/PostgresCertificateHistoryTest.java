package io.sluice.identity;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresCertificateHistoryTest extends CertificateHistoryContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.postgres();

  @Override
  Database open() {
    return store.open();
  }
}
