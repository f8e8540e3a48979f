package io.sluice.audit;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqlitePeerHeadStoreTest extends PeerHeadStoreContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.sqlite();

  @Override
  Database open() {
    return store.open();
  }
}
