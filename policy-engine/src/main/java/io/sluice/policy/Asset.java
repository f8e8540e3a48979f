package io.sluice.policy;

import java.util.List;
import java.util.Map;

/**
 * A rule's or policy's target: a dataset, written as an IRI or as an object.
 *
 * @param uid the asset's identifier, or null for a collection given by source
 * @param types the {@code @type} values as written (e.g. {@code AssetCollection}), possibly empty
 * @param source for an AssetCollection, where its members come from, or null
 * @param partOf the collection this asset belongs to, or null
 * @param annotations other prefixed properties (e.g. {@code dct:title}) as compact JSON text
 */
public record Asset(
    String uid, List<String> types, String source, String partOf, Map<String, String> annotations) {
  public Asset {
    types = List.copyOf(types);
    annotations = JsonText.orderedCopy(annotations);
  }

  public static Asset of(String uid) {
    return new Asset(uid, List.of(), null, null, Map.of());
  }

  /** True when it carries nothing but a uid, so it is written as a plain IRI. */
  boolean plain() {
    return uid != null
        && types.isEmpty()
        && source == null
        && partOf == null
        && annotations.isEmpty();
  }
}
