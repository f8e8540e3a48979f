package io.sluice.collaboration;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresCollaborationStoreTest extends CollaborationStoreContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.postgres();

  @Override
  Database open() {
    return store.open();
  }
}
