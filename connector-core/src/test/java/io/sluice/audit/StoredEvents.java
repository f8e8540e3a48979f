package io.sluice.audit;

/**
 * Events as a store hands them back, bypassing the builder's checks: what a node that writes its
 * own database could put in its log. For tests of code that reads other nodes' entries.
 */
public final class StoredEvents {
  private StoredEvents() {}

  public static AuditEvent stored(
      long timeMicros,
      EventType type,
      String traceId,
      String actor,
      String counterparty,
      byte[] digest,
      String details) {
    return AuditEvent.stored(
        timeMicros, type, traceId, "", actor, counterparty, "", digest, details);
  }
}
