package io.sluice.audit.trace;

import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditEvent;

/**
 * An entry of the merged timeline: {@code index} is its position in {@link TraceReport#timeline()},
 * {@code node} the participant whose log it comes from.
 */
public record TimelineEntry(int index, String node, AuditEntry entry) {
  public AuditEvent event() {
    return entry.event();
  }
}
