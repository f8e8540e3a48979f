package io.sluice.node.negotiation;

import io.sluice.store.TestDatabases;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresNegotiationStormTest extends NegotiationStormContractTest {
  @RegisterExtension final TestDatabases.Store fund = TestDatabases.postgres();
  @RegisterExtension final TestDatabases.Store insurer = TestDatabases.postgres();

  @Override
  TestDatabases.Store fundStore() {
    return fund;
  }

  @Override
  TestDatabases.Store insurerStore() {
    return insurer;
  }
}
