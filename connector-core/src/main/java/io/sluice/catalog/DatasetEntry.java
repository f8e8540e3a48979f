package io.sluice.catalog;

import io.sluice.data.DatasetSource;
import java.util.List;

/**
 * A dataset a node publishes: where its data is and the offers (ODRL policies) under which it may
 * be used.
 */
public record DatasetEntry(String id, String title, DatasetSource source, List<OfferEntry> offers) {
  public DatasetEntry {
    offers = List.copyOf(offers);
  }

  /** One offer: its id and its policy JSON. */
  public record OfferEntry(String id, String policyJson) {}
}
