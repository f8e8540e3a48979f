package io.sluice.audit.trace;

import io.sluice.audit.AuditEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The sequence diagram of the HTML page, as inline SVG: a lifeline per participant, an arrow per
 * negotiation message, local events as labels on their node's lifeline, and frames. Runs of frames
 * of one stream that paired (or could not be checked because the peer was not queried) are drawn as
 * one thick arrow with the frame range and totals; every frame or message with a discrepancy is
 * drawn on its own, in red, with the numbers of its discrepancies. Rows follow the timeline.
 */
final class SequenceDiagram {
  static final String[] PALETTE = {
    "#2563eb", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#4f46e5", "#0d9488"
  };
  private static final String RED = "#c62828";
  private static final String MESSAGE = "#4338ca";
  private static final String FRAME = "#0f766e";
  private static final String GRAY = "#94a3b8";

  private static final int GUTTER = 112;
  private static final int RIGHT = 28;
  private static final int HEAD_TOP = 14;
  private static final int HEAD_HEIGHT = 54;
  private static final double CHAR = 6.6; // average advance of the 12px label font

  private final TraceReport report;
  private final Labels labels;
  private final Map<String, Integer> column = new HashMap<>();
  private final int width;
  private final double columnWidth;

  private SequenceDiagram(TraceReport report, Labels labels) {
    this.report = report;
    this.labels = labels;
    List<Participant> participants = report.participants();
    for (int i = 0; i < participants.size(); i++) {
      column.put(participants.get(i).id(), i);
    }
    int n = Math.max(1, participants.size());
    this.width = Math.max(1180, GUTTER + RIGHT + n * 250);
    this.columnWidth = (double) (width - GUTTER - RIGHT) / n;
  }

  static String svg(TraceReport report, Labels labels) {
    return new SequenceDiagram(report, labels).draw();
  }

  /** Something drawn on one row: a local event, one transfer, or a run of frames. */
  private sealed interface Item permits Local, Single, Run {
    int first();
  }

  private record Local(TimelineEntry entry) implements Item {
    @Override
    public int first() {
      return entry.index();
    }
  }

  private record Single(int index, Transfer transfer) implements Item {
    @Override
    public int first() {
      return firstEntry(transfer);
    }
  }

  /**
   * Consecutive frames of one stream that fared alike: the same status and, for those with
   * discrepancies, the same problem (all paired, all never received, all with another digest...).
   */
  private record Run(Transfer.Status status, String problem, List<Integer> indexes, int first)
      implements Item {}

  private static int firstEntry(Transfer t) {
    return Math.min(t.sent().orElse(Integer.MAX_VALUE), t.received().orElse(Integer.MAX_VALUE));
  }

  private List<Item> items() {
    List<Item> items = new ArrayList<>();
    Set<Integer> inTransfers = new HashSet<>();
    Map<List<String>, Run> open = new HashMap<>();
    List<Transfer> transfers = report.transfers();
    for (int i = 0; i < transfers.size(); i++) {
      Transfer t = transfers.get(i);
      t.sent().ifPresent(inTransfers::add);
      t.received().ifPresent(inTransfers::add);
      if (t.key() instanceof Transfer.FrameKey frame) {
        List<String> stream = List.of(t.sender(), t.receiver(), frame.stream());
        String problem = problem(labels.discrepanciesOfTransfer(i));
        Run run = open.get(stream);
        if (run == null || run.status() != t.status() || !run.problem().equals(problem)) {
          // Anything else in the stream ends its run: what follows is drawn after it.
          run = new Run(t.status(), problem, new ArrayList<>(), firstEntry(t));
          open.put(stream, run);
          items.add(run);
        }
        run.indexes().add(i);
      } else {
        items.add(new Single(i, t));
      }
    }
    for (TimelineEntry entry : report.timeline()) {
      if (!inTransfers.contains(entry.index())) {
        items.add(new Local(entry));
      }
    }
    items.sort(Comparator.comparingInt(Item::first));
    return items;
  }

  private String draw() {
    List<Item> items = items();
    StringBuilder body = new StringBuilder();
    double y = HEAD_TOP + HEAD_HEIGHT + 26;
    Set<String> rowNodes = new HashSet<>();
    boolean localRow = false;
    double lastLocalY = 0;
    for (Item item : items) {
      if (item instanceof Local local) {
        String node = local.entry().node();
        if (localRow && !rowNodes.contains(node)) {
          rowNodes.add(node);
          local(body, local.entry(), lastLocalY);
          continue;
        }
        y += 4;
        time(body, y, local.entry());
        local(body, local.entry(), y);
        lastLocalY = y;
        localRow = true;
        rowNodes.clear();
        rowNodes.add(node);
        y += 32;
      } else {
        localRow = false;
        y += 18;
        if (item instanceof Single single) {
          time(body, y, report.timeline().get(single.first()));
          single(body, single, y);
          y += 26;
        } else {
          Run run = (Run) item;
          time(body, y, report.timeline().get(run.first()));
          if (run.indexes().size() == 1) {
            int index = run.indexes().get(0);
            single(body, new Single(index, report.transfers().get(index)), y);
            y += 26;
          } else {
            run(body, run, y);
            y += 36;
          }
        }
      }
    }
    int height = (int) Math.ceil(y + 12);
    StringBuilder svg = new StringBuilder();
    svg.append("<svg class=\"sequence\" role=\"img\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue',")
        .append(" Arial, sans-serif\" font-size=\"12\">\n");
    svg.append("<title>Sequence of trace ")
        .append(Html.escape(report.traceId()))
        .append("</title>\n");
    defs(svg);
    lifelines(svg, height);
    svg.append(body);
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static void defs(StringBuilder svg) {
    svg.append("<defs>\n");
    marker(svg, "ah-message", MESSAGE);
    marker(svg, "ah-frame", FRAME);
    marker(svg, "ah-bad", RED);
    marker(svg, "ah-gray", GRAY);
    svg.append("</defs>\n");
  }

  private static void marker(StringBuilder svg, String id, String color) {
    svg.append("<marker id=\"")
        .append(id)
        .append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"11\"")
        .append(" markerHeight=\"11\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">")
        .append("<path d=\"M0,0 L10,5 L0,10 z\" fill=\"")
        .append(color)
        .append("\"/></marker>\n");
  }

  private double x(String participant) {
    return GUTTER + columnWidth * (column.get(participant) + 0.5);
  }

  private void lifelines(StringBuilder svg, int height) {
    List<Participant> participants = report.participants();
    for (int i = 0; i < participants.size(); i++) {
      Participant p = participants.get(i);
      double x = x(p.id());
      String color = PALETTE[i % PALETTE.length];
      double boxWidth = Math.min(columnWidth - 24, 230);
      String stroke = !p.queried() ? GRAY : (p.proofsVerified() ? "#cbd5e1" : RED);
      svg.append("<line x1=\"")
          .append(num(x))
          .append("\" y1=\"")
          .append(HEAD_TOP + HEAD_HEIGHT)
          .append("\" x2=\"")
          .append(num(x))
          .append("\" y2=\"")
          .append(height - 6)
          .append("\" stroke=\"")
          .append(p.queried() && p.proofsVerified() ? "#cbd5e1" : stroke)
          .append("\" stroke-width=\"2\"")
          .append(p.queried() ? "" : " stroke-dasharray=\"5 5\"")
          .append("/>\n");
      svg.append("<g><title>")
          .append(Html.lines(List.of(p.id(), participantState(p))))
          .append("</title>");
      svg.append("<rect x=\"")
          .append(num(x - boxWidth / 2))
          .append("\" y=\"")
          .append(HEAD_TOP)
          .append("\" width=\"")
          .append(num(boxWidth))
          .append("\" height=\"")
          .append(HEAD_HEIGHT)
          .append("\" rx=\"8\" fill=\"#ffffff\" stroke=\"")
          .append(p.queried() && p.proofsVerified() ? "#cbd5e1" : stroke)
          .append("\" stroke-width=\"")
          .append(p.queried() && !p.proofsVerified() ? "2" : "1.2")
          .append("\"")
          .append(p.queried() ? "" : " stroke-dasharray=\"5 4\"")
          .append("/>");
      svg.append("<rect x=\"")
          .append(num(x - boxWidth / 2))
          .append("\" y=\"")
          .append(HEAD_TOP)
          .append("\" width=\"5\" height=\"")
          .append(HEAD_HEIGHT)
          .append("\" rx=\"2\" fill=\"")
          .append(p.queried() ? color : GRAY)
          .append("\"/>");
      int chars = (int) ((boxWidth - 20) / CHAR);
      svg.append("<text x=\"")
          .append(num(x))
          .append("\" y=\"")
          .append(HEAD_TOP + 20)
          .append(
              "\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"700\" fill=\"#0f172a\">")
          .append(Html.escape(fit(labels.alias(p.id()), (int) ((boxWidth - 20) / 8.2))))
          .append("</text>");
      svg.append("<text x=\"")
          .append(num(x))
          .append("\" y=\"")
          .append(HEAD_TOP + 35)
          .append("\" text-anchor=\"middle\" font-size=\"10.5\" fill=\"#64748b\">")
          .append(Html.escape(fit(p.id(), (int) ((boxWidth - 16) / 5.6))))
          .append("</text>");
      String state;
      String stateColor;
      if (!p.queried()) {
        state = "not queried";
        stateColor = "#64748b";
      } else if (p.proofsVerified()) {
        state = "\u2713 proofs verified \u00b7 " + Labels.plural(p.entries(), "entry", "entries");
        stateColor = "#15803d";
      } else {
        state = "\u2717 proofs NOT verified";
        stateColor = RED;
      }
      svg.append("<text x=\"")
          .append(num(x))
          .append("\" y=\"")
          .append(HEAD_TOP + 48)
          .append("\" text-anchor=\"middle\" font-size=\"10.5\" font-weight=\"600\" fill=\"")
          .append(stateColor)
          .append("\">")
          .append(Html.escape(fit(state, chars + 4)))
          .append("</text></g>\n");
    }
  }

  private static String participantState(Participant p) {
    if (!p.queried()) {
      return "not queried";
    }
    return p.proofsVerified()
        ? "proofs verified"
        : "proofs not verified" + (p.problem().isEmpty() ? "" : ": " + p.problem());
  }

  private void time(StringBuilder svg, double y, TimelineEntry entry) {
    svg.append("<text x=\"")
        .append(GUTTER - 16)
        .append("\" y=\"")
        .append(num(y + 4))
        .append("\" text-anchor=\"end\" font-size=\"11\" fill=\"#64748b\" class=\"mono\">")
        .append(Labels.CLOCK.format(entry.event().time()))
        .append("</text>\n");
  }

  private void local(StringBuilder svg, TimelineEntry entry, double y) {
    AuditEvent event = entry.event();
    List<Integer> discrepancies = labels.discrepanciesOf(entry.index());
    String fill;
    String stroke;
    String ink;
    if (!discrepancies.isEmpty()) {
      fill = "#fee2e2";
      stroke = RED;
      ink = "#991b1b";
    } else {
      switch (event.type()) {
        case RESULT_RELEASED, RESULT_KEPT, COMPUTATION_FINISHED -> {
          fill = "#dcfce7";
          stroke = "#16a34a";
          ink = "#14532d";
        }
        case AGREEMENT_SIGNED -> {
          fill = "#e0e7ff";
          stroke = "#6366f1";
          ink = "#312e81";
        }
        case COMPUTATION_REFUSED,
            COMPUTATION_FAILED,
            RESULT_WITHHELD,
            POLICY_DENIED,
            HANDSHAKE_REFUSED,
            RESULT_SWEEP_FAILED,
            AGREEMENT_TERMINATED -> {
          fill = "#fef3c7";
          stroke = "#d97706";
          ink = "#78350f";
        }
        default -> {
          fill = "#f1f5f9";
          stroke = "#94a3b8";
          ink = "#1e293b";
        }
      }
    }
    String text = Labels.eventName(event.type());
    if (!discrepancies.isEmpty()) {
      text = badges(discrepancies) + " " + text;
    }
    double maxWidth = columnWidth - 16;
    String shown = fit(text, (int) ((maxWidth - 20) / CHAR));
    double w = Math.min(maxWidth, shown.length() * CHAR + 22);
    double x = x(entry.node());
    svg.append("<g><title>")
        .append(Html.lines(tooltip(entry)))
        .append("</title><rect x=\"")
        .append(num(x - w / 2))
        .append("\" y=\"")
        .append(num(y - 11))
        .append("\" width=\"")
        .append(num(w))
        .append("\" height=\"22\" rx=\"11\" fill=\"")
        .append(fill)
        .append("\" stroke=\"")
        .append(stroke)
        .append("\"/><text x=\"")
        .append(num(x))
        .append("\" y=\"")
        .append(num(y + 4))
        .append("\" text-anchor=\"middle\" font-weight=\"600\" fill=\"")
        .append(ink)
        .append("\">")
        .append(Html.escape(shown))
        .append("</text></g>\n");
  }

  private void single(StringBuilder svg, Single single, double y) {
    Transfer t = single.transfer();
    List<Integer> discrepancies = labels.discrepanciesOfTransfer(single.index());
    boolean bad = !discrepancies.isEmpty();
    boolean unqueried = t.status() == Transfer.Status.NOT_QUERIED;
    String color = bad ? RED : (unqueried ? GRAY : (t.isFrame() ? FRAME : MESSAGE));
    String marker =
        bad ? "ah-bad" : (unqueried ? "ah-gray" : (t.isFrame() ? "ah-frame" : "ah-message"));
    double from = x(t.sender());
    double to = x(t.receiver());
    double direction = Math.signum(to - from);
    StringBuilder label = new StringBuilder();
    if (bad) {
      label.append(badges(discrepancies)).append(' ');
    }
    int anEntry = t.sent().isPresent() ? t.sent().getAsInt() : t.received().getAsInt();
    AuditEvent event = report.timeline().get(anEntry).event();
    if (t.key() instanceof Transfer.FrameKey frame) {
      label.append("frame ").append(frame.frame());
      long[] rowsAndBytes = Labels.rowsAndBytes(event);
      if (!bad && rowsAndBytes[0] >= 0) {
        label.append(" \u00b7 ").append(Labels.plural(rowsAndBytes[0], "row"));
      }
    } else {
      label.append(Labels.what(event));
    }
    String problem = bad ? problem(discrepancies) : problem(t);
    if (!problem.isEmpty()) {
      label.append(" \u00b7 ").append(problem);
    }
    String dash =
        unqueried || t.status() == Transfer.Status.DUPLICATE ? " stroke-dasharray=\"6 4\"" : "";
    svg.append("<g><title>").append(Html.lines(transferTooltip(t))).append("</title>");
    arrow(svg, t.status(), from, to, y, color, 1.8, dash, marker);
    label(svg, (from + to) / 2, y - 7, label.toString(), room(from, to), color, bad);
    svg.append("</g>\n");
  }

  /** How wide an arrow's label may be: its span and a little of the columns beside it. */
  private double room(double from, double to) {
    return Math.min(Math.abs(to - from) + 0.6 * columnWidth, width - GUTTER - 8);
  }

  /** What went wrong, from the kinds of the transfer's discrepancies. */
  private String problem(List<Integer> discrepancies) {
    List<String> phrases = new ArrayList<>();
    for (int d : discrepancies) {
      String phrase =
          switch (labels.discrepancies().get(d - 1).kind()) {
            case NOT_RECEIVED -> "never received";
            case NOT_SENT -> "received, never sent";
            case DIGEST_MISMATCH -> "digest differs";
            case ROWS_MISMATCH -> "row count differs";
            case BYTES_MISMATCH -> "byte count differs";
            case KIND_MISMATCH -> "message kind differs";
            case DUPLICATE_SENT -> "sent again";
            case DUPLICATE_RECEIVED -> "received again";
            case PROOFS_NOT_VERIFIED,
                HEADS_INCONSISTENT,
                HEADS_UNPROVEN,
                MALFORMED_ENTRY,
                WRONG_ACTOR,
                WRONG_TRACE,
                COUNTERPARTY_NOT_QUERIED,
                NO_ENTRIES ->
                "";
          };
      if (!phrase.isEmpty() && !phrases.contains(phrase)) {
        phrases.add(phrase);
      }
    }
    return String.join(", ", phrases);
  }

  private String problem(Transfer t) {
    return switch (t.status()) {
      case NOT_RECEIVED -> "never received";
      case NOT_SENT -> "received, never sent";
      case DUPLICATE -> "duplicate";
      case MISMATCH -> "logged differently";
      case NOT_QUERIED -> "peer not queried";
      case PAIRED -> "";
    };
  }

  private void run(StringBuilder svg, Run run, double y) {
    List<Transfer> transfers = new ArrayList<>();
    List<Integer> discrepancies = new ArrayList<>();
    for (int index : run.indexes()) {
      transfers.add(report.transfers().get(index));
      discrepancies.addAll(labels.discrepanciesOfTransfer(index));
    }
    Transfer first = transfers.get(0);
    Transfer.FrameKey key = (Transfer.FrameKey) first.key();
    long low = Long.MAX_VALUE;
    long high = Long.MIN_VALUE;
    long rows = 0;
    long bytes = 0;
    for (Transfer t : transfers) {
      long frame = ((Transfer.FrameKey) t.key()).frame();
      low = Math.min(low, frame);
      high = Math.max(high, frame);
      int entry = t.sent().isPresent() ? t.sent().getAsInt() : t.received().getAsInt();
      long[] rowsAndBytes = Labels.rowsAndBytes(report.timeline().get(entry).event());
      rows = add(rows, Math.max(0, rowsAndBytes[0]));
      bytes = add(bytes, Math.max(0, rowsAndBytes[1]));
    }
    boolean paired = run.status() == Transfer.Status.PAIRED;
    boolean unqueried = run.status() == Transfer.Status.NOT_QUERIED;
    boolean bad = !discrepancies.isEmpty();
    String color = bad ? RED : (paired ? FRAME : GRAY);
    String ink = bad ? RED : (paired ? "#134e4a" : "#475569");
    double from = x(first.sender());
    double to = x(first.receiver());
    int n = transfers.size();
    String frames = n + " frames" + (high - low + 1 == n ? " (" + low + "\u2013" + high + ")" : "");
    String title =
        (bad ? badgeRange(discrepancies) + " " : "")
            + frames
            + " \u00b7 "
            + Labels.count(rows)
            + " rows \u00b7 "
            + Labels.bytes(bytes);
    String outcome;
    if (bad) {
      outcome = run.problem();
    } else if (paired) {
      outcome = "all " + n + " paired \u2713";
    } else if (unqueried) {
      outcome = "peer not queried";
    } else {
      outcome = problem(first);
    }
    String sub = "stream " + key.stream() + " \u00b7 " + outcome;
    svg.append("<g><title>")
        .append(
            Html.lines(
                List.of(
                    title,
                    "stream " + key.stream(),
                    first.sender() + " -> " + first.receiver(),
                    paired
                        ? "every frame logged identically by both sides"
                        : (unqueried
                            ? "one side only: the peer's node was not queried"
                            : outcome))))
        .append("</title>");
    String marker = bad ? "ah-bad" : (paired ? "ah-frame" : "ah-gray");
    arrow(
        svg,
        run.status(),
        from,
        to,
        y,
        color,
        bad ? 3.5 : 5,
        unqueried ? " stroke-dasharray=\"8 5\"" : "",
        marker);
    double span = room(from, to);
    label(svg, (from + to) / 2, y - 9, title, span, ink, bad);
    svg.append("<text x=\"")
        .append(num((from + to) / 2))
        .append("\" y=\"")
        .append(num(y + 19))
        .append("\" text-anchor=\"middle\" font-size=\"11\" fill=\"")
        .append(bad ? RED : (paired ? "#0f766e" : "#64748b"))
        .append("\">")
        .append(Html.escape(fit(sub, (int) (span / 6.0))))
        .append("</text></g>\n");
  }

  /**
   * An arrow from one lifeline to another. A transfer the receiver never logged ends in a cross
   * short of the receiver (a lost message); one the sender never logged starts from a dot (a found
   * message).
   */
  private static void arrow(
      StringBuilder svg,
      Transfer.Status status,
      double from,
      double to,
      double y,
      String color,
      double width,
      String dash,
      String marker) {
    double direction = Math.signum(to - from);
    double start = from + direction * 2;
    double end = to - direction * 2;
    if (status == Transfer.Status.NOT_SENT) {
      start = from + direction * 26;
      svg.append(circle(start, y, color));
    }
    if (status == Transfer.Status.NOT_RECEIVED) {
      end = to - direction * 30;
      line(svg, start, y, end, y, color, width, dash, "");
      svg.append(cross(end, y, color));
    } else {
      line(svg, start, y, end, y, color, width, dash, marker);
    }
  }

  /** "D1 D2 D3", "D4\u2013D23" for a range, "D4 \u2026 D30 (12)" otherwise. */
  private static String badgeRange(List<Integer> discrepancies) {
    List<Integer> sorted = discrepancies.stream().distinct().sorted().toList();
    int low = sorted.get(0);
    int high = sorted.get(sorted.size() - 1);
    if (sorted.size() >= 3 && high - low + 1 == sorted.size()) {
      return "D" + low + "\u2013D" + high;
    }
    if (sorted.size() <= 3) {
      return badges(sorted);
    }
    return "D" + low + " \u2026 D" + high + " (" + sorted.size() + ")";
  }

  private static void line(
      StringBuilder svg,
      double x1,
      double y1,
      double x2,
      double y2,
      String color,
      double width,
      String dash,
      String marker) {
    svg.append("<line x1=\"")
        .append(num(x1))
        .append("\" y1=\"")
        .append(num(y1))
        .append("\" x2=\"")
        .append(num(x2))
        .append("\" y2=\"")
        .append(num(y2))
        .append("\" stroke=\"")
        .append(color)
        .append("\" stroke-width=\"")
        .append(num(width))
        .append('"')
        .append(dash)
        .append(marker.isEmpty() ? "" : " marker-end=\"url(#" + marker + ")\"")
        .append("/>");
  }

  private static void label(
      StringBuilder svg, double x, double y, String text, double span, String color, boolean bold) {
    svg.append("<text x=\"")
        .append(num(x))
        .append("\" y=\"")
        .append(num(y))
        .append("\" text-anchor=\"middle\" fill=\"")
        .append(color)
        .append("\"")
        .append(bold ? " font-weight=\"700\"" : " font-weight=\"600\"")
        .append(" class=\"halo\">")
        .append(Html.escape(fit(text, (int) (span / CHAR))))
        .append("</text>");
  }

  private static String circle(double x, double y, String color) {
    return "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"5\" fill=\"" + color + "\"/>";
  }

  private static String cross(double x, double y, String color) {
    return String.format(
        Locale.ROOT,
        "<path d=\"M%s,%s L%s,%s M%s,%s L%s,%s\" stroke=\"%s\" stroke-width=\"2.6\""
            + " stroke-linecap=\"round\"/>",
        num(x - 7),
        num(y - 7),
        num(x + 7),
        num(y + 7),
        num(x - 7),
        num(y + 7),
        num(x + 7),
        num(y - 7),
        color);
  }

  private static List<String> tooltip(TimelineEntry entry) {
    AuditEvent event = entry.event();
    List<String> lines = new ArrayList<>();
    lines.add("#" + entry.index() + " " + event.type() + " at " + Labels.TIME.format(event.time()));
    lines.add("logged by " + entry.node() + " (entry " + entry.entry().sequence() + ")");
    if (!event.counterparty().isEmpty()) {
      lines.add("counterparty " + event.counterparty());
    }
    String what = Labels.what(event);
    if (!what.isEmpty()) {
      lines.add(what);
    }
    return lines;
  }

  private static List<String> transferTooltip(Transfer t) {
    List<String> lines = new ArrayList<>();
    lines.add(t.key().describe());
    lines.add(t.sender() + " -> " + t.receiver() + ": " + t.status());
    t.sent().ifPresent(e -> lines.add("sent: entry #" + e));
    t.received().ifPresent(e -> lines.add("received: entry #" + e));
    return lines;
  }

  private static String badges(List<Integer> discrepancies) {
    StringBuilder out = new StringBuilder();
    for (int d : discrepancies) {
      out.append(out.length() == 0 ? "" : " ").append('D').append(d);
    }
    return out.toString();
  }

  /** {@code text} cut to {@code max} characters with an ellipsis. */
  static String fit(String text, int max) {
    String printable = Labels.printable(text);
    int length = printable.codePointCount(0, printable.length());
    if (length <= Math.max(max, 2)) {
      return printable;
    }
    return printable.substring(0, printable.offsetByCodePoints(0, Math.max(max, 2) - 1)) + "\u2026";
  }

  private static String num(double value) {
    if (value == Math.rint(value)) {
      return Long.toString((long) value);
    }
    return String.format(Locale.ROOT, "%.1f", value);
  }

  private static long add(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
