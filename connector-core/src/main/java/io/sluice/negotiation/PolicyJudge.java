package io.sluice.negotiation;

import io.sluice.identity.PeerIdentity;
import java.time.Instant;
import java.util.List;

/**
 * The policy decisions a negotiation needs, kept behind one interface so the protocol is testable.
 */
public interface PolicyJudge {

  /** What the provider answers to a request, or what the consumer makes of a counter-offer. */
  sealed interface Verdict permits Agree, Counter, Refuse {}

  /** Agree to exactly this canonical policy, valid until {@code validUntil}. */
  record Agree(byte[] canonicalPolicy, Instant validUntil) implements Verdict {}

  /** Offer this narrower policy instead. */
  record Counter(String policyJson, List<String> reasons) implements Verdict {}

  /** No agreement is possible, for these reasons. */
  record Refuse(List<String> reasons) implements Verdict {}

  /**
   * The provider's decision on a request: agree when the offer contains the request and the
   * consumer's claims and purpose satisfy it; counter-offer a narrowed policy when one exists;
   * refuse naming the failing constraints otherwise.
   */
  Verdict judgeRequest(
      String offerJson, String requestJson, PeerIdentity consumer, String purpose, Instant now);

  /**
   * The provider's terms for a counter-offer the consumer accepted: agree to exactly that policy if
   * it is still within the offer now.
   */
  Verdict judgeAccepted(String offerJson, String counterJson, PeerIdentity consumer, Instant now);

  /**
   * The consumer's decision on a counter-offer: {@link Agree} if it is within the acceptable terms
   * (empty: none were declared), {@link Refuse} with reasons otherwise.
   */
  Verdict judgeCounter(String counterJson, String acceptableJson);

  /** The canonical bytes of a policy, as agreements carry them. */
  byte[] canonical(String policyJson);
}
