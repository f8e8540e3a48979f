package io.sluice.results;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresReleaseJournalTest extends ReleaseJournalContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.postgres();

  @Override
  Database open() {
    return store.open();
  }
}
