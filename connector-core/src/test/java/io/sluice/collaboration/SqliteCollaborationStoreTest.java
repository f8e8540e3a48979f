package io.sluice.collaboration;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqliteCollaborationStoreTest extends CollaborationStoreContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.sqlite();

  @Override
  Database open() {
    return store.open();
  }
}
