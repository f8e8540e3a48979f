package io.sluice.node.config;

import java.nio.file.Path;
import java.util.List;

/**
 * A dataset a node publishes, as declared in its configuration or in a file of the datasets
 * directory.
 *
 * @param id dataset id, unique on the node
 * @param title a human title
 * @param source where the data is
 * @param offers the offers (ODRL policy files) under which the dataset may be used
 * @param declaredIn the file the declaration came from
 */
public record DatasetDeclaration(
    String id, String title, Source source, List<Offer> offers, Path declaredIn) {

  public DatasetDeclaration {
    offers = List.copyOf(offers);
  }

  /**
   * A file (format from the extension unless given: csv, parquet, arrow, arrows) or a JDBC query.
   */
  public record Source(
      Path file, String format, String jdbcUrl, String query, String user, Path passwordFile) {
    public boolean isFile() {
      return file != null;
    }

    @Override
    public String toString() {
      return isFile() ? file.toString() : jdbcUrl + " (" + query + ")";
    }
  }

  /** One offer: its id and the ODRL policy file. */
  public record Offer(String id, Path policy) {}
}
