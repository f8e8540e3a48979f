package io.sluice.node.negotiation;

import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class SqliteNegotiationStormTest extends NegotiationStormContractTest {
  @RegisterExtension final TestDatabases.Store fund = TestDatabases.sqlite();
  @RegisterExtension final TestDatabases.Store insurer = TestDatabases.sqlite();

  @Override
  TestDatabases.Store fundStore() {
    return fund;
  }

  @Override
  TestDatabases.Store insurerStore() {
    return insurer;
  }
}
