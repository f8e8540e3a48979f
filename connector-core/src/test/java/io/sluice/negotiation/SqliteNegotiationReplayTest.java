package io.sluice.negotiation;

import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqliteNegotiationReplayTest extends NegotiationReplayContractTest {
  @RegisterExtension final TestDatabases.Store consumer = TestDatabases.sqlite();
  @RegisterExtension final TestDatabases.Store provider = TestDatabases.sqlite();

  @Override
  Database consumerDb() {
    return consumer.open();
  }

  @Override
  Database providerDb() {
    return provider.open();
  }
}
