package io.sluice.negotiation;

import io.sluice.proto.v1.NegotiationMessage;

/** Told about every message and agreement, for the audit trail. Must not block for long. */
public interface NegotiationListener {
  void sent(Negotiation negotiation, NegotiationMessage message);

  void received(Negotiation negotiation, NegotiationMessage message);

  void agreementSigned(Negotiation negotiation, String agreementId, byte[] signedAgreement);

  /** The provider's policy refused a request (the reasons name the failing constraints). */
  default void policyDenied(Negotiation negotiation, java.util.List<String> reasons) {}

  NegotiationListener NONE =
      new NegotiationListener() {
        @Override
        public void sent(Negotiation negotiation, NegotiationMessage message) {}

        @Override
        public void received(Negotiation negotiation, NegotiationMessage message) {}

        @Override
        public void agreementSigned(
            Negotiation negotiation, String agreementId, byte[] signedAgreement) {}
      };
}
