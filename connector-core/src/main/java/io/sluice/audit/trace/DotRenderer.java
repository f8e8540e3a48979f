package io.sluice.audit.trace;

import java.util.ArrayList;
import java.util.List;

/**
 * The report as a Graphviz digraph: one node per participant (dashed when its node was not queried,
 * red when its proofs did not verify), one edge per (sender, receiver) with the frame, row, byte
 * and message totals, red with the number of discrepancies when it has any.
 */
final class DotRenderer {
  private static final String RED = "#c62828";

  private DotRenderer() {}

  static String render(TraceReport report) {
    Labels labels = new Labels(report);
    StringBuilder out = new StringBuilder();
    out.append("digraph \"sluice-audit-trace\" {\n");
    out.append("  graph [label=")
        .append(
            quote(
                List.of(
                    "Audit trace " + report.traceId(),
                    Labels.status(report.status()) + ": " + TextRenderer.verdict(report, labels))))
        .append(
            ", labelloc=t, fontname=\"Helvetica\", fontsize=14, rankdir=LR, nodesep=0.8,"
                + " ranksep=2.2];\n");
    out.append(
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f8fafc\", color=\"#475569\","
            + " fontname=\"Helvetica\", fontsize=12];\n");
    out.append("  edge [fontname=\"Helvetica\", fontsize=10, color=\"#334155\"];\n");
    for (Participant p : report.participants()) {
      List<String> lines = new ArrayList<>();
      lines.add(labels.alias(p.id()));
      if (!labels.alias(p.id()).equals(Labels.printable(p.id()))) {
        lines.add(p.id());
      }
      String attributes;
      if (!p.queried()) {
        lines.add("not queried");
        attributes = ", style=\"rounded,dashed\", color=\"#94a3b8\", fontcolor=\"#64748b\"";
      } else if (!p.proofsVerified()) {
        lines.add(Labels.plural(p.entries(), "entry", "entries") + ", PROOFS NOT VERIFIED");
        attributes = ", color=\"" + RED + "\", fontcolor=\"" + RED + "\", penwidth=2";
      } else {
        lines.add(Labels.plural(p.entries(), "entry", "entries") + ", proofs verified");
        attributes = "";
      }
      out.append("  ")
          .append(quote(List.of(p.id())))
          .append(" [label=")
          .append(quote(lines))
          .append(attributes)
          .append("];\n");
    }
    for (Flow flow : report.flows()) {
      boolean both = queried(report, flow.sender()) && queried(report, flow.receiver());
      Sides sides = new Sides(queried(report, flow.sender()), queried(report, flow.receiver()));
      List<String> lines = new ArrayList<>();
      if (flow.framesSent() > 0 || flow.framesReceived() > 0) {
        lines.add(
            sides.counts(flow.framesSent(), flow.framesReceived(), "frame", "frames")
                + (both ? " (" + Labels.count(flow.framesPaired()) + " paired)" : ""));
        lines.add(sides.counts(flow.rowsSent(), flow.rowsReceived(), "row", "rows"));
        lines.add(sides.counts(flow.bytesSent(), flow.bytesReceived(), "byte", "bytes"));
      }
      if (flow.messagesSent() > 0 || flow.messagesReceived() > 0) {
        lines.add(
            sides.counts(flow.messagesSent(), flow.messagesReceived(), "message", "messages")
                + (both ? " (" + Labels.count(flow.messagesPaired()) + " paired)" : ""));
      }
      String attributes = "";
      if (flow.discrepancies() > 0) {
        lines.add(Labels.plural(flow.discrepancies(), "discrepancy", "discrepancies"));
        attributes = ", color=\"" + RED + "\", fontcolor=\"" + RED + "\", penwidth=2";
      }
      out.append("  ")
          .append(quote(List.of(flow.sender())))
          .append(" -> ")
          .append(quote(List.of(flow.receiver())))
          .append(" [label=")
          .append(quote(lines))
          .append(attributes)
          .append("];\n");
    }
    out.append("}\n");
    return out.toString();
  }

  private static boolean queried(TraceReport report, String participant) {
    return report.participant(participant).map(Participant::queried).orElse(false);
  }

  /** Which sides of a flow were queried, so which counts mean something. */
  private record Sides(boolean sender, boolean receiver) {
    /**
     * "20 frames" when both sides logged as many, "20 frames sent / 19 received" when not, "20
     * frames sent" or "20 frames received" when only one side was queried.
     */
    String counts(long sent, long received, String one, String many) {
      if (sender && receiver) {
        return sent == received
            ? Labels.plural(sent, one, many)
            : Labels.plural(sent, one, many) + " sent / " + Labels.count(received) + " received";
      }
      return receiver
          ? Labels.plural(received, one, many) + " received"
          : Labels.plural(sent, one, many) + " sent";
    }
  }

  /** A DOT quoted string of {@code lines}, each centred. */
  static String quote(List<String> lines) {
    StringBuilder out = new StringBuilder("\"");
    for (int l = 0; l < lines.size(); l++) {
      if (l > 0) {
        out.append("\\n");
      }
      String line = Labels.printable(lines.get(l));
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (c == '"' || c == '\\') {
          out.append('\\');
        }
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
