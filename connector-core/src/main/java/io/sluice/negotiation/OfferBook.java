package io.sluice.negotiation;

import java.util.Optional;

/** The provider's published offers: the ODRL policy JSON of an offer of a dataset. */
@FunctionalInterface
public interface OfferBook {
  Optional<String> offer(String datasetId, String offerId);
}
