package io.sluice.node;

import io.sluice.catalog.Catalog;
import io.sluice.catalog.DatasetEntry;
import io.sluice.compute.PsiOffers;
import io.sluice.data.DataFormat;
import io.sluice.data.DatasetSource;
import io.sluice.node.config.DatasetDeclaration;
import io.sluice.node.config.DatasetDeclarations;
import io.sluice.node.config.NodeConfig;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyValidationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns the node's dataset declarations (inline and in the datasets directory) into catalog
 * entries: reads and validates each offer's policy, resolves sources, and refreshes the catalog.
 * Re-reading is cheap, so the catalog follows {@code sluice dataset add} without a restart.
 */
public final class DatasetRegistry {
  private static final long MIN_REFRESH_INTERVAL_MILLIS = 1000;

  private final NodeConfig config;
  private final Catalog catalog;
  private long lastRefresh;

  public DatasetRegistry(NodeConfig config, Catalog catalog) {
    this.config = config;
    this.catalog = catalog;
  }

  /** Re-reads the declarations unless that was done less than a second ago. */
  public synchronized void refreshIfStale() {
    long now = System.currentTimeMillis();
    if (now - lastRefresh >= MIN_REFRESH_INTERVAL_MILLIS) {
      refresh();
      lastRefresh = now;
    }
  }

  public synchronized void refresh() {
    List<DatasetDeclaration> declarations = new ArrayList<>(config.datasets());
    List<Catalog.Problem> problems = new ArrayList<>();
    DatasetDeclarations.Scan scan = DatasetDeclarations.scan(config.datasetsDir());
    declarations.addAll(scan.datasets());
    scan.problems()
        .forEach(
            p -> problems.add(new Catalog.Problem(p.file().getFileName().toString(), p.message())));
    List<DatasetEntry> entries = new ArrayList<>();
    for (DatasetDeclaration d : declarations) {
      List<DatasetEntry.OfferEntry> offers = new ArrayList<>();
      for (DatasetDeclaration.Offer offer : d.offers()) {
        try {
          offers.add(new DatasetEntry.OfferEntry(offer.id(), readPolicy(offer)));
        } catch (IllegalArgumentException e) {
          problems.add(new Catalog.Problem(d.id(), "offer " + offer.id() + ": " + e.getMessage()));
        }
      }
      if (offers.isEmpty()) {
        problems.add(new Catalog.Problem(d.id(), "no usable offer; the dataset is not published"));
        continue;
      }
      entries.add(new DatasetEntry(d.id(), d.title(), source(d.source()), offers));
    }
    catalog.refresh(entries, problems);
  }

  /** Reads and validates an offer's policy file; problems become one readable message. */
  static String readPolicy(DatasetDeclaration.Offer offer) {
    String json;
    try {
      json = Files.readString(offer.policy(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read policy file " + offer.policy());
    }
    List<String> psi;
    try {
      psi = PsiOffers.problems(PolicyCodec.parse(json), Set.of());
    } catch (PolicyValidationException e) {
      throw new IllegalArgumentException(
          "policy file " + offer.policy() + " is invalid: " + e.problems());
    }
    if (!psi.isEmpty()) {
      throw new IllegalArgumentException(
          "policy file " + offer.policy() + " cannot be offered: " + String.join("; ", psi));
    }
    return json;
  }

  static DatasetSource source(DatasetDeclaration.Source s) {
    if (s.isFile()) {
      return s.format() == null
          ? DatasetSource.file(s.file())
          : DatasetSource.file(s.file(), format(s.format()));
    }
    String password = null;
    if (s.passwordFile() != null) {
      try {
        password = Files.readString(s.passwordFile(), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + s.passwordFile());
      }
    }
    return s.user() == null && password == null
        ? DatasetSource.jdbc(s.jdbcUrl(), s.query())
        : DatasetSource.jdbc(s.jdbcUrl(), s.query(), s.user(), password);
  }

  /** The format named in a declaration: csv, parquet, arrow (IPC file) or arrows (IPC stream). */
  public static DataFormat format(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "csv" -> DataFormat.CSV;
      case "parquet" -> DataFormat.PARQUET;
      case "arrow" -> DataFormat.ARROW_FILE;
      case "arrows" -> DataFormat.ARROW_STREAM;
      default -> throw new IllegalArgumentException("unknown format " + name);
    };
  }
}
