package io.sluice.audit.trace;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/** The report as plain text for a terminal: header, timeline, flows, discrepancies and notes. */
final class TextRenderer {
  private TextRenderer() {}

  static String render(TraceReport report) {
    Labels labels = new Labels(report);
    StringBuilder out = new StringBuilder();
    header(report, labels, out);
    timeline(report, labels, out);
    flows(report, labels, out);
    findings(labels, out);
    return out.toString();
  }

  private static void header(TraceReport report, Labels labels, StringBuilder out) {
    out.append("Audit trace ").append(Labels.printable(report.traceId())).append('\n');
    out.append("Status        ").append(Labels.status(report.status()));
    out.append(" (").append(verdict(report, labels)).append(")\n");
    out.append("Agreements    ")
        .append(
            report.agreements().isEmpty()
                ? "(none)"
                : report.agreements().stream()
                    .map(Labels::printable)
                    .collect(Collectors.joining(", ")))
        .append('\n');
    int aliasWidth = 0;
    int idWidth = 0;
    for (Participant p : report.participants()) {
      aliasWidth = Math.max(aliasWidth, labels.alias(p.id()).length());
      idWidth = Math.max(idWidth, Labels.printable(p.id()).length());
    }
    String label = "Participants  ";
    for (Participant p : report.participants()) {
      out.append(label)
          .append(Labels.pad(labels.alias(p.id()), aliasWidth))
          .append("  ")
          .append(Labels.pad(Labels.printable(p.id()), idWidth))
          .append("  ")
          .append(describe(p))
          .append('\n');
      label = " ".repeat(label.length());
    }
  }

  static String verdict(TraceReport report, Labels labels) {
    List<String> parts = new ArrayList<>();
    parts.add(Labels.plural(report.framesPaired(), "frame") + " paired");
    parts.add(Labels.plural(report.messagesPaired(), "negotiation message") + " paired");
    if (!labels.discrepancies().isEmpty()) {
      parts.add(Labels.plural(labels.discrepancies().size(), "discrepancy", "discrepancies"));
    }
    if (!labels.notes().isEmpty()) {
      parts.add(Labels.plural(labels.notes().size(), "note"));
    }
    return String.join(", ", parts);
  }

  private static String describe(Participant p) {
    if (!p.queried()) {
      return "not queried";
    }
    String proofs = p.proofsVerified() ? "proofs verified" : "PROOFS NOT VERIFIED";
    String problem = p.problem().isEmpty() ? "" : ": " + Labels.printable(p.problem());
    return Labels.plural(p.entries(), "entry", "entries") + ", " + proofs + problem;
  }

  private static void timeline(TraceReport report, Labels labels, StringBuilder out) {
    out.append("\nTimeline (UTC, each node's own clock)\n");
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "#", "TIME", "NODE", "EVENT", "PEER", "ROWS", "BYTES", "DIGEST", "CHECK", "WHAT"
        });
    for (TimelineEntry entry : report.timeline()) {
      AuditEvent event = entry.event();
      long[] rowsAndBytes = Labels.rowsAndBytes(event);
      rows.add(
          new String[] {
            Integer.toString(entry.index()),
            Labels.TIME.format(event.time()),
            labels.alias(entry.node()),
            Labels.printable(event.type().name()),
            peer(event, labels),
            rowsAndBytes[0] < 0 ? "" : Labels.count(rowsAndBytes[0]),
            rowsAndBytes[1] < 0 ? "" : Labels.count(rowsAndBytes[1]),
            Labels.shortDigest(event.digest()),
            check(entry.index(), report, labels),
            Labels.what(event)
          });
    }
    boolean[] right = {true, false, false, false, false, true, true, false, false, false};
    table(rows, right, out);
  }

  private static String peer(AuditEvent event, Labels labels) {
    String peer = labels.alias(event.counterparty());
    if (peer.isEmpty()) {
      return "";
    }
    EventType type = event.type();
    if (type == EventType.FRAME_SENT || type == EventType.NEGOTIATION_SENT) {
      return "-> " + peer;
    }
    if (type == EventType.FRAME_RECEIVED || type == EventType.NEGOTIATION_RECEIVED) {
      return "<- " + peer;
    }
    return peer;
  }

  /** "D1 D2" for discrepancies, "= #12" when paired with entry 12, "not queried". */
  private static String check(int entry, TraceReport report, Labels labels) {
    List<Integer> discrepancies = labels.discrepanciesOf(entry);
    if (!discrepancies.isEmpty()) {
      return "! " + discrepancies.stream().map(d -> "D" + d).collect(Collectors.joining(" "));
    }
    OptionalInt transfer = labels.transferOf(entry);
    if (transfer.isEmpty()) {
      return "";
    }
    Transfer t = report.transfers().get(transfer.getAsInt());
    return switch (t.status()) {
      case PAIRED -> "= #" + labels.partnerOf(entry).getAsInt();
      case NOT_QUERIED -> "not queried";
      default -> t.status().name();
    };
  }

  private static void flows(TraceReport report, Labels labels, StringBuilder out) {
    out.append("\nFlows (sent / received as each side logged them)\n");
    if (report.flows().isEmpty()) {
      out.append("  no frames or negotiation messages\n");
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "FROM", "TO", "FRAMES", "PAIRED", "ROWS", "BYTES", "MESSAGES", "PAIRED", "DISCREPANCIES"
        });
    for (Flow flow : report.flows()) {
      boolean sender = report.participant(flow.sender()).map(Participant::queried).orElse(false);
      boolean receiver =
          report.participant(flow.receiver()).map(Participant::queried).orElse(false);
      rows.add(
          new String[] {
            labels.alias(flow.sender()),
            labels.alias(flow.receiver()),
            pair(sender, flow.framesSent(), receiver, flow.framesReceived()),
            sender && receiver ? Labels.count(flow.framesPaired()) : "-",
            pair(sender, flow.rowsSent(), receiver, flow.rowsReceived()),
            pair(sender, flow.bytesSent(), receiver, flow.bytesReceived()),
            pair(sender, flow.messagesSent(), receiver, flow.messagesReceived()),
            sender && receiver ? Labels.count(flow.messagesPaired()) : "-",
            Integer.toString(flow.discrepancies())
          });
    }
    table(rows, new boolean[] {false, false, true, true, true, true, true, true, true}, out);
  }

  /** "20 / 19"; a side whose node was not queried is "-". */
  private static String pair(boolean sender, long sent, boolean receiver, long received) {
    return (sender ? Labels.count(sent) : "-") + " / " + (receiver ? Labels.count(received) : "-");
  }

  private static void findings(Labels labels, StringBuilder out) {
    List<Finding> discrepancies = labels.discrepancies();
    if (discrepancies.isEmpty()) {
      out.append("\nNo discrepancies.\n");
    } else {
      out.append("\nDiscrepancies (").append(discrepancies.size()).append(")\n");
      list("D", discrepancies, labels, out);
    }
    if (!labels.notes().isEmpty()) {
      out.append("\nNotes (").append(labels.notes().size()).append(")\n");
      list("N", labels.notes(), labels, out);
    }
  }

  private static void list(
      String prefix, List<Finding> findings, Labels labels, StringBuilder out) {
    for (int i = 0; i < findings.size(); i++) {
      Finding f = findings.get(i);
      out.append("  ").append(prefix).append(i + 1).append("  ").append(f.kind().name());
      out.append("  ").append(labels.alias(f.node()));
      if (!f.counterparty().isEmpty()) {
        out.append(" / ").append(labels.alias(f.counterparty()));
      }
      if (!f.entries().isEmpty()) {
        out.append("  entries ")
            .append(f.entries().stream().map(e -> "#" + e).collect(Collectors.joining(", ")));
      }
      out.append("\n      ").append(Labels.printable(f.message())).append('\n');
    }
  }

  private static void table(List<String[]> rows, boolean[] right, StringBuilder out) {
    int columns = rows.get(0).length;
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int c = 0; c < columns; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder("  ");
      for (int c = 0; c < columns; c++) {
        boolean last = c == columns - 1;
        String cell =
            right[c]
                ? Labels.padLeft(row[c], widths[c])
                : (last ? row[c] : Labels.pad(row[c], widths[c]));
        line.append(cell);
        if (!last) {
          line.append("  ");
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }
}
