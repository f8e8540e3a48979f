package io.sluice.audit;

import io.sluice.collaboration.CollaborationListener;
import io.sluice.collaboration.StoredCollaboration;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

/**
 * Writes each step of a collaboration to the audit log: proposed, signed (by whom), refused (by
 * whom, with the first reason), in force (digest of the final signed document, the same on every
 * member) and expired. Details hold ids and states only.
 */
public final class CollaborationAudit implements CollaborationListener {
  private final AuditLog log;
  private final String self;
  private final Clock clock;

  public CollaborationAudit(AuditLog log, String self, Clock clock) {
    this.log = log;
    this.self = self;
    this.clock = clock;
  }

  @Override
  public void proposed(StoredCollaboration c) {
    log.append(base(EventType.COLLABORATION_PROPOSED, c, c.proposer()).build());
  }

  @Override
  public void signed(StoredCollaboration c, String member) {
    log.append(base(EventType.COLLABORATION_SIGNED, c, member).detail("member", member).build());
  }

  @Override
  public void refused(StoredCollaboration c, String by, List<String> reasons) {
    String first = reasons.isEmpty() ? "" : reasons.get(reasons.size() > 1 ? 1 : 0);
    log.append(
        base(EventType.COLLABORATION_REFUSED, c, by)
            .detail("by", by)
            .detail("reasons", reasons.size())
            .detail("first", first.length() <= 200 ? first : first.substring(0, 200))
            .build());
  }

  @Override
  public void inForce(StoredCollaboration c, byte[] signed) {
    log.append(
        base(EventType.COLLABORATION_IN_FORCE, c, c.proposer())
            .digest(AuditEvent.sha256(ByteBuffer.wrap(signed)))
            .build());
  }

  @Override
  public void expired(StoredCollaboration c) {
    log.append(base(EventType.COLLABORATION_EXPIRED, c, c.proposer()).build());
  }

  private AuditEvent.Builder base(EventType type, StoredCollaboration c, String counterparty) {
    return AuditEvent.builder(type)
        .time(clock.instant())
        .traceId(c.traceId())
        .actor(self)
        .counterparty(counterparty)
        .agreementId(c.id())
        .detail("collaboration", c.id())
        .detail("role", c.role().name().toLowerCase(Locale.ROOT))
        .detail("state", c.state().name());
  }
}
