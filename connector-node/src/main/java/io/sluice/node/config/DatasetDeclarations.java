package io.sluice.node.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Dataset declarations: inline in {@code node.yaml} under {@code datasets}, or one per YAML file in
 * the datasets directory (that is what {@code sluice dataset add} writes, so it never rewrites the
 * operator's own configuration file).
 *
 * <pre>
 * id: settlements                              # required, unique on the node
 * title: Fund settlements 2026                 # optional
 * source: data/settlements.csv                 # a CSV, Parquet or Arrow IPC file...
 * format: csv                                  # optional: csv, parquet, arrow (IPC file), arrows (IPC stream)
 * # source:                                    # ...or a JDBC query
 * #   jdbc: jdbc:postgresql://db/claims
 * #   query: SELECT person_id, amount FROM settlements
 * #   user: reader
 * #   passwordFile: secrets/db-password
 * offers:                                      # at least one
 *   - id: claims-matching
 *     policy: policies/claims-matching-offer.json
 * </pre>
 */
public final class DatasetDeclarations {
  static final Set<String> SCHEMA =
      Set.of(
          "",
          "id",
          "title",
          "source",
          "source.jdbc",
          "source.query",
          "source.user",
          "source.passwordFile",
          "format",
          "offers",
          "offers[]",
          "offers[].id",
          "offers[].policy");

  private static final Set<String> FORMATS = Set.of("csv", "parquet", "arrow", "arrows");

  private DatasetDeclarations() {}

  /** A dataset file that could not be read, with the reason. */
  public record Problem(Path file, String message) {}

  /** What a scan of the datasets directory found. */
  public record Scan(List<DatasetDeclaration> datasets, List<Problem> problems) {}

  /**
   * Reads every {@code *.yaml} / {@code *.yml} file of {@code dir}; a bad file is a problem, not a
   * failure.
   */
  public static Scan scan(Path dir) {
    List<DatasetDeclaration> datasets = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return new Scan(datasets, problems);
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files =
          list.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .toList();
    } catch (IOException e) {
      problems.add(
          new Problem(
              dir, "cannot list the datasets directory (" + ConfigDocument.reasonOf(e) + ")"));
      return new Scan(datasets, problems);
    }
    for (Path file : files) {
      try {
        datasets.add(readFile(file));
      } catch (ConfigException e) {
        problems.add(new Problem(file, e.getMessage()));
      }
    }
    return new Scan(datasets, problems);
  }

  /** Reads one dataset file. */
  public static DatasetDeclaration readFile(Path file) {
    ConfigDocument doc = ConfigDocument.read(file);
    doc.checkKnown(SCHEMA);
    return read(doc, doc.root(), "");
  }

  static DatasetDeclaration read(ConfigDocument doc, JsonNode node, String at) {
    String prefix = at.isEmpty() ? "" : at + ".";
    if (!node.isObject()) {
      throw doc.error(at, "expected a dataset mapping with id, source and offers");
    }
    String id = doc.name(node, prefix + "id");
    String title = doc.optionalText(node, prefix + "title", id);
    JsonNode sourceNode = doc.required(node, prefix + "source");
    DatasetDeclaration.Source source;
    if (sourceNode.isObject()) {
      String url = doc.text(sourceNode, prefix + "source.jdbc");
      if (!url.startsWith("jdbc:")) {
        throw doc.error(prefix + "source.jdbc", "expected a JDBC URL");
      }
      source =
          new DatasetDeclaration.Source(
              null,
              null,
              url,
              doc.text(sourceNode, prefix + "source.query"),
              doc.optionalText(sourceNode, prefix + "source.user", null),
              doc.optionalFile(sourceNode, prefix + "source.passwordFile"));
    } else {
      Path file = doc.path(doc.text(node, prefix + "source"));
      String format = doc.optionalText(node, prefix + "format", null);
      if (format != null) {
        format = format.toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(format)) {
          throw doc.error(prefix + "format", "expected one of " + FORMATS);
        }
      }
      source = new DatasetDeclaration.Source(file, format, null, null, null, null);
    }
    JsonNode offersNode = doc.required(node, prefix + "offers");
    if (!offersNode.isArray() || offersNode.isEmpty()) {
      throw doc.error(prefix + "offers", "expected a non-empty list of offers (id and policy)");
    }
    List<DatasetDeclaration.Offer> offers = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < offersNode.size(); i++) {
      String f = prefix + "offers[" + i + "]";
      JsonNode o = offersNode.get(i);
      if (!o.isObject()) {
        throw doc.error(f, "expected an offer with id and policy");
      }
      String offerId = doc.name(o, f + ".id");
      if (!ids.add(offerId)) {
        throw doc.error(f + ".id", "offer id '" + offerId + "' appears twice");
      }
      offers.add(new DatasetDeclaration.Offer(offerId, doc.path(doc.text(o, f + ".policy"))));
    }
    return new DatasetDeclaration(id, title, source, offers, doc.file());
  }
}
