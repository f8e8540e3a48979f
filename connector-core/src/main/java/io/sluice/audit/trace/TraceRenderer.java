package io.sluice.audit.trace;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.Locale;

/**
 * Writes a {@link TraceReport} for people and programs. Every renderer is deterministic: equal
 * reports give identical text. Text meant for people (text, DOT, HTML) shows control and format
 * characters from the logs as {@code \\uXXXX}; the HTML page is ASCII and escapes all entry text.
 */
public final class TraceRenderer {
  private TraceRenderer() {}

  /** The output formats of {@code sluice audit trace --format}. */
  public enum Format {
    TEXT,
    JSON,
    DOT,
    HTML;

    /**
     * The format named {@code name} ("text", "json", "dot", "html"; any case).
     *
     * @throws SluiceException INVALID_ARGUMENT for another name
     */
    public static Format parse(String name) {
      for (Format format : values()) {
        if (format.name().equalsIgnoreCase(name)) {
          return format;
        }
      }
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "unknown trace format '" + name + "' (text, json, dot or html)");
    }

    /** The usual file name extension: "txt", "json", "dot", "html". */
    public String extension() {
      return this == TEXT ? "txt" : name().toLowerCase(Locale.ROOT);
    }
  }

  public static String render(TraceReport report, Format format) {
    return switch (format) {
      case TEXT -> text(report);
      case JSON -> json(report);
      case DOT -> dot(report);
      case HTML -> html(report);
    };
  }

  /**
   * A terminal view: the header (status, agreements, participants), the timeline (time, node,
   * event, peer, rows, bytes, short digest, pairing check, what), the flows, then the discrepancies
   * (or "No discrepancies.") and the notes.
   */
  public static String text(TraceReport report) {
    return TextRenderer.render(report);
  }

  /** The whole report as JSON (format {@code sluice.audit.trace/1}, see docs/audit-trace.md). */
  public static String json(TraceReport report) {
    return JsonRenderer.render(report);
  }

  /** A Graphviz digraph: a node per participant, an edge per (sender, receiver) with totals. */
  public static String dot(TraceReport report) {
    return DotRenderer.render(report);
  }

  /**
   * One self-contained HTML page (inline CSS and SVG, no external resources, complete without
   * JavaScript): header, status, participants and flows, sequence diagram, entries, discrepancies.
   */
  public static String html(TraceReport report) {
    return HtmlRenderer.render(report);
  }
}
