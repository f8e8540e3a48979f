package io.sluice.audit;

import io.sluice.negotiation.Negotiation;
import io.sluice.negotiation.NegotiationListener;
import io.sluice.proto.v1.NegotiationMessage;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Locale;

/**
 * Writes every negotiation message sent or received, and every agreement signed, to the audit log.
 * The digest of a message is SHA-256 of its serialized bytes, so the sender's and the receiver's
 * entries for one message carry the same digest and pair up by message id in a trace. Details hold
 * ids and states only, never policy text or identifiers of people.
 */
public final class NegotiationAudit implements NegotiationListener {
  private final AuditLog log;
  private final String self;
  private final Clock clock;

  public NegotiationAudit(AuditLog log, String self, Clock clock) {
    this.log = log;
    this.self = self;
    this.clock = clock;
  }

  @Override
  public void sent(Negotiation negotiation, NegotiationMessage message) {
    log.append(entry(EventType.NEGOTIATION_SENT, negotiation, message));
  }

  @Override
  public void received(Negotiation negotiation, NegotiationMessage message) {
    log.append(entry(EventType.NEGOTIATION_RECEIVED, negotiation, message));
  }

  @Override
  public void agreementSigned(Negotiation negotiation, String agreementId, byte[] signedAgreement) {
    log.append(
        base(EventType.AGREEMENT_SIGNED, negotiation)
            .agreementId(agreementId)
            .digest(AuditEvent.sha256(ByteBuffer.wrap(signedAgreement)))
            .detail("role", negotiation.role().name().toLowerCase(Locale.ROOT))
            .detail("dataset", negotiation.datasetId())
            .build());
  }

  @Override
  public void policyDenied(Negotiation negotiation, java.util.List<String> reasons) {
    String first = reasons.isEmpty() ? "" : reasons.get(0);
    log.append(
        base(EventType.POLICY_DENIED, negotiation)
            .detail("dataset", negotiation.datasetId())
            .detail("reasons", reasons.size())
            .detail("first", first.length() <= 200 ? first : first.substring(0, 200))
            .build());
  }

  private AuditEvent entry(EventType type, Negotiation n, NegotiationMessage m) {
    return base(type, n)
        .digest(AuditEvent.sha256(ByteBuffer.wrap(m.toByteArray())))
        .detail("message", m.getMessageId())
        .detail("kind", kind(m))
        .detail("state", n.state().name())
        .build();
  }

  private AuditEvent.Builder base(EventType type, Negotiation n) {
    return AuditEvent.builder(type)
        .time(clock.instant())
        .traceId(n.traceId())
        .sessionId(n.id())
        .actor(self)
        .counterparty(n.counterparty())
        .agreementId(n.agreementId());
  }

  /** The message kind as the trace shows it: request, offer, agreement, verification, ... */
  public static String kind(NegotiationMessage m) {
    if (m.hasEvent()) {
      return m.getEvent().getType().name().toLowerCase(Locale.ROOT);
    }
    return m.getBodyCase().name().toLowerCase(Locale.ROOT);
  }
}
