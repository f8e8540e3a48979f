package io.sluice.compute.runtime;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresUseLedgerTest extends UseLedgerContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.postgres();

  @Override
  Database open() {
    return store.open();
  }
}
