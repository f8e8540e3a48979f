package io.sluice.identity;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqliteCertificateHistoryTest extends CertificateHistoryContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.sqlite();

  @Override
  Database open() {
    return store.open();
  }
}
