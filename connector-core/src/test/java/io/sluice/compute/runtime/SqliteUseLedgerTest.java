package io.sluice.compute.runtime;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqliteUseLedgerTest extends UseLedgerContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.sqlite();

  @Override
  Database open() {
    return store.open();
  }
}
