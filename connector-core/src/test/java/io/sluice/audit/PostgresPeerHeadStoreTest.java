package io.sluice.audit;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresPeerHeadStoreTest extends PeerHeadStoreContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.postgres();

  @Override
  Database open() {
    return store.open();
  }
}
