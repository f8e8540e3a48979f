package io.sluice.catalog;

import io.sluice.data.DatasetInfo;
import io.sluice.data.DatasetProbe;
import io.sluice.data.DatasetSource;
import io.sluice.error.SluiceException;
import io.sluice.negotiation.OfferBook;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datasets a node publishes, each with its Arrow schema and row count (read from the source
 * without loading the data; re-read only when a file changes). A source that is missing, unreadable
 * or malformed is reported with the path and the reason, and the other datasets are still served.
 */
public final class Catalog implements OfferBook {
  private static final Logger log = LoggerFactory.getLogger(Catalog.class);

  /** A published dataset as a caller sees it. */
  public record Listing(
      DatasetEntry dataset, Schema schema, long rowCount, List<DatasetEntry.OfferEntry> offers) {}

  /** A dataset that cannot be served now, and why. */
  public record Problem(String datasetId, String message) {}

  private record Probed(Object stamp, DatasetInfo info) {}

  private final BufferAllocator allocator;
  private final BiPredicate<String, Map<String, Set<String>>> offerVisible;
  private final Map<String, Probed> probes = new ConcurrentHashMap<>();
  private volatile Map<String, DatasetEntry> datasets = Map.of();
  private volatile List<Problem> problems = List.of();

  /**
   * @param allocator for probing sources (closed by its owner)
   * @param offerVisible whether the caller's claims satisfy an offer's participant constraints
   */
  public Catalog(
      BufferAllocator allocator, BiPredicate<String, Map<String, Set<String>>> offerVisible) {
    this.allocator = allocator;
    this.offerVisible = offerVisible;
  }

  /**
   * Replaces the published datasets, probing sources that are new or changed. Problems found while
   * reading the declarations are passed in and reported alongside the probe problems.
   */
  public synchronized void refresh(List<DatasetEntry> entries, List<Problem> declarationProblems) {
    Map<String, DatasetEntry> next = new LinkedHashMap<>();
    List<Problem> found = new ArrayList<>(declarationProblems);
    for (DatasetEntry entry : entries) {
      if (next.containsKey(entry.id())) {
        found.add(
            new Problem(
                entry.id(), "dataset id '" + entry.id() + "' is declared twice; the first wins"));
        continue;
      }
      try {
        probe(entry.source());
        next.put(entry.id(), entry);
      } catch (SluiceException e) {
        found.add(new Problem(entry.id(), e.getMessage()));
      }
    }
    if (!found.equals(problems)) {
      for (Problem p : found) {
        log.warn("dataset {} is not served: {}", p.datasetId(), p.message());
      }
    }
    datasets = Map.copyOf(next);
    problems = List.copyOf(found);
  }

  /** The datasets and, for each, only the offers the caller's claims qualify for. */
  public List<Listing> listFor(Map<String, Set<String>> claims) {
    List<Listing> out = new ArrayList<>();
    for (DatasetEntry d : datasets.values()) {
      DatasetInfo info = probe(d.source());
      List<DatasetEntry.OfferEntry> visible =
          d.offers().stream().filter(o -> offerVisible.test(o.policyJson(), claims)).toList();
      out.add(new Listing(d, info.schema(), info.rowCount(), visible));
    }
    out.sort(java.util.Comparator.comparing(l -> l.dataset().id()));
    return out;
  }

  /** A published dataset's schema and row count (probed when its source changed). */
  public Optional<DatasetInfo> info(String datasetId) {
    return dataset(datasetId).map(d -> probe(d.source()));
  }

  public Optional<DatasetEntry> dataset(String id) {
    return Optional.ofNullable(datasets.get(id));
  }

  @Override
  public Optional<String> offer(String datasetId, String offerId) {
    return dataset(datasetId)
        .flatMap(d -> d.offers().stream().filter(o -> o.id().equals(offerId)).findFirst())
        .map(DatasetEntry.OfferEntry::policyJson);
  }

  public List<Problem> problems() {
    return problems;
  }

  private DatasetInfo probe(DatasetSource source) {
    String key = source.describe();
    Object stamp = stamp(source);
    Probed cached = probes.get(key);
    if (cached != null && stamp != null && stamp.equals(cached.stamp())) {
      return cached.info();
    }
    DatasetInfo info = DatasetProbe.probe(source, allocator);
    probes.put(key, new Probed(stamp, info));
    return info;
  }

  /**
   * What identifies the version of a file source; null for JDBC sources (always re-probed on
   * refresh).
   */
  private static Object stamp(DatasetSource source) {
    if (source instanceof DatasetSource.File f) {
      Path p = f.path();
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        return List.of(String.valueOf(a.fileKey()), a.lastModifiedTime().toMillis(), a.size());
      } catch (java.io.IOException e) {
        return null;
      }
    }
    return System.currentTimeMillis() / 60_000;
  }
}
