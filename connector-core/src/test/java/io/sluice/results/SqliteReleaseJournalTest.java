package io.sluice.results;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqliteReleaseJournalTest extends ReleaseJournalContractTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.sqlite();

  @Override
  Database open() {
    return store.open();
  }
}
