package io.sluice.negotiation;

import io.sluice.store.Database;

/** Stored agreements for tests outside this package (e.g. the runtime's use ledger). */
public final class TestAgreements {
  private TestAgreements() {}

  /**
   * Stores a FINALIZED agreement {@code agreementId} (with its negotiation) that counted no use.
   */
  public static void insert(Database db, String agreementId) {
    NegotiationStore store = new JdbcNegotiationStore(db);
    String negotiation = "n-" + agreementId;
    Negotiation n =
        store.save(
            NegotiationStoreContractTest.fresh(
                negotiation, Role.PROVIDER, "insurer", "p-" + negotiation),
            null,
            null);
    store.save(
        n,
        null,
        new NegotiationStore.StoredAgreement(
            agreementId,
            negotiation,
            Role.PROVIDER,
            "me",
            "insurer",
            "ds",
            new byte[] {1},
            10,
            Long.MAX_VALUE,
            true,
            null,
            0));
  }

  /** Marks the agreement terminated, as its negotiation's end would. */
  public static void terminate(Database db, String agreementId) {
    new JdbcNegotiationStore(db).terminateAgreement(agreementId, "ended by the test");
  }

  /** The agreement's count of held uses, as the store has it. */
  public static long useCount(Database db, String agreementId) {
    return new JdbcNegotiationStore(db).agreement(agreementId).orElseThrow().useCount();
  }
}
