package io.sluice.audit.trace;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no external resource, readable
 * without JavaScript (a few lines of it add filters to the entries table). The markup is also
 * well-formed XML, and ASCII only (see {@link Html}).
 */
final class HtmlRenderer {
  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("uuuu-MM-dd", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final TraceReport report;
  private final Labels labels;
  private final StringBuilder out = new StringBuilder(64 * 1024);

  private HtmlRenderer(TraceReport report) {
    this.report = report;
    this.labels = new Labels(report);
  }

  static String render(TraceReport report) {
    return new HtmlRenderer(report).page();
  }

  private String page() {
    TraceStatus status = report.status();
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
        .append("<title>")
        .append(Html.escape("Audit trace " + report.traceId() + " \u2014 " + Labels.status(status)))
        .append("</title>\n<style>\n")
        .append(CSS)
        .append("</style>\n</head>\n<body>\n<main>\n");
    header();
    status(status);
    overview();
    diagram();
    entries();
    findings();
    out.append("<footer>Times are UTC, as logged by each node&#8217;s own clock. Report format ")
        .append(JsonRenderer.FORMAT)
        .append(", written by <span class=\"mono\">sluice audit trace</span>.</footer>\n")
        .append("</main>\n<script>//<![CDATA[\n")
        .append(SCRIPT)
        .append("//]]></script>\n</body>\n</html>\n");
    return out.toString();
  }

  private void header() {
    out.append("<header class=\"top\">\n<div>\n<div class=\"eyebrow\">Sluice audit trace</div>\n")
        .append("<h1 class=\"mono\">")
        .append(Html.escape(report.traceId()))
        .append("</h1>\n</div>\n<dl class=\"facts\">\n");
    fact(
        report.agreements().size() == 1 ? "Agreement" : "Agreements",
        report.agreements().isEmpty()
            ? "<span class=\"muted\">none recorded</span>"
            : join(report.agreements().stream().map(a -> mono(a)).toList(), "<br/>"));
    List<TimelineEntry> timeline = report.timeline();
    if (!timeline.isEmpty()) {
      Instant start = timeline.get(0).event().time();
      Instant end = timeline.get(timeline.size() - 1).event().time();
      fact(
          "Time span",
          Html.escape(SECONDS.format(start))
              + " &#8594; "
              + Html.escape(
                  DAY.format(start).equals(DAY.format(end))
                      ? Labels.CLOCK.format(end).substring(0, 8)
                      : SECONDS.format(end))
              + " UTC <span class=\"muted\">("
              + Html.escape(duration(Duration.between(start, end)))
              + ")</span>");
    }
    long queried = report.participants().stream().filter(Participant::queried).count();
    fact(
        "Nodes",
        Html.escape(
            Labels.plural(queried, "node", "nodes")
                + " queried, "
                + Labels.plural(timeline.size(), "entry", "entries")));
    out.append("</dl>\n</header>\n");
  }

  private void fact(String term, String html) {
    out.append("<dt>").append(Html.escape(term)).append("</dt><dd>").append(html).append("</dd>\n");
  }

  private record Banner(String tone, String icon, String line) {}

  private void status(TraceStatus status) {
    long nodes = report.participants().stream().filter(Participant::queried).count();
    Banner banner =
        switch (status) {
          case VERIFIED ->
              new Banner(
                  "ok",
                  "&#10003;",
                  paired()
                      + " between "
                      + Labels.plural(nodes, "node", "nodes")
                      + "; every entry is in its node&#8217;s signed log (inclusion proofs verified).");
          case PARTIAL ->
              new Banner(
                  "partial",
                  "!",
                  "No discrepancy, but not everything could be checked (<a href=\"#notes\">"
                      + Html.escape(Labels.plural(labels.notes().size(), "note"))
                      + "</a> below). "
                      + paired()
                      + ".");
          case DISCREPANCIES ->
              new Banner(
                  "bad",
                  "&#10007;",
                  "<a href=\"#discrepancies\">"
                      + Html.escape(
                          Labels.plural(
                              labels.discrepancies().size(), "discrepancy", "discrepancies"))
                      + "</a> between the nodes&#8217; logs. "
                      + paired()
                      + ".");
        };
    String tone = banner.tone();
    String icon = banner.icon();
    String line = banner.line();
    out.append("<section class=\"status ")
        .append(tone)
        .append("\">\n<div class=\"status-icon\">")
        .append(icon)
        .append("</div>\n<div>\n<div class=\"status-word\">")
        .append(Html.escape(Labels.status(status)))
        .append("</div>\n<div class=\"status-line\">")
        .append(line)
        .append("</div>\n</div>\n</section>\n");
  }

  private String paired() {
    return "<strong>"
        + Html.escape(Labels.plural(report.framesPaired(), "frame"))
        + "</strong> and <strong>"
        + Html.escape(Labels.plural(report.messagesPaired(), "negotiation message"))
        + "</strong> paired";
  }

  private void overview() {
    out.append("<section class=\"cards\">\n");
    List<Participant> participants = report.participants();
    for (int i = 0; i < participants.size(); i++) {
      Participant p = participants.get(i);
      String state;
      if (!p.queried()) {
        state = "<span class=\"pill gray\">not queried</span>";
      } else if (p.proofsVerified()) {
        state = "<span class=\"pill ok\">&#10003; proofs verified</span>";
      } else {
        state = "<span class=\"pill bad\">&#10007; proofs not verified</span>";
      }
      out.append("<div class=\"card participant\">\n<div class=\"card-head\">")
          .append(dot(p.id()))
          .append("<span class=\"card-title\">")
          .append(Html.escape(labels.alias(p.id())))
          .append("</span>")
          .append(state)
          .append("</div>\n<div class=\"mono muted small\">")
          .append(Html.escape(p.id()))
          .append("</div>\n<div class=\"small\">")
          .append(p.queried() ? breakdown(p.id()) : "its entries were not asked for")
          .append(
              p.problem().isEmpty()
                  ? ""
                  : "<div class=\"problem\">" + Html.escape(p.problem()) + "</div>")
          .append("</div>\n</div>\n");
    }
    for (Flow f : report.flows()) {
      boolean bad = f.discrepancies() > 0;
      out.append("<div class=\"card flow")
          .append(bad ? " bad" : "")
          .append("\">\n<div class=\"card-head\">")
          .append(dot(f.sender()))
          .append("<span class=\"card-title\">")
          .append(Html.escape(labels.alias(f.sender())))
          .append(" &#8594; ")
          .append(Html.escape(labels.alias(f.receiver())))
          .append("</span>")
          .append(
              bad
                  ? "<span class=\"pill bad\">"
                      + Html.escape(
                          Labels.plural(f.discrepancies(), "discrepancy", "discrepancies"))
                      + "</span>"
                  : "")
          .append("</div>\n<table class=\"mini\"><tr><th></th><th>sent</th><th>received</th>")
          .append("<th>paired</th></tr>\n");
      if (f.framesSent() > 0 || f.framesReceived() > 0) {
        frameRows(f);
      }
      if (f.messagesSent() > 0 || f.messagesReceived() > 0) {
        miniRow(f, "messages", f.messagesSent(), f.messagesReceived(), f.messagesPaired(), false);
      }
      out.append("</table>\n</div>\n");
    }
    out.append("</section>\n");
  }

  /** "49 entries: 40 frames, 4 negotiation messages, 5 other events". */
  private String breakdown(String participant) {
    long frames = 0;
    long messages = 0;
    long entries = 0;
    for (TimelineEntry entry : report.timeline()) {
      if (entry.node().equals(participant)) {
        entries++;
        switch (entry.event().type()) {
          case FRAME_SENT, FRAME_RECEIVED -> frames++;
          case NEGOTIATION_SENT, NEGOTIATION_RECEIVED -> messages++;
          default -> {}
        }
      }
    }
    String total = Labels.plural(entries, "entry", "entries") + " in this trace";
    if (entries == 0) {
      return Html.escape(total);
    }
    return Html.escape(total)
        + "<div class=\"muted\">"
        + Html.escape(
            Labels.plural(frames, "frame")
                + " \u00b7 "
                + Labels.plural(messages, "message")
                + " \u00b7 "
                + Labels.plural(entries - frames - messages, "other event", "other events"))
        + "</div>";
  }

  private void frameRows(Flow f) {
    miniRow(f, "frames", f.framesSent(), f.framesReceived(), f.framesPaired(), false);
    miniRow(f, "rows", f.rowsSent(), f.rowsReceived(), -1, false);
    miniRow(f, "bytes", f.bytesSent(), f.bytesReceived(), -1, true);
  }

  /**
   * One line of a flow card: as the sender logged it, as the receiver did (red when they differ),
   * and how many paired; a side whose node was not queried shows a dash.
   */
  private void miniRow(Flow f, String what, long sent, long received, long paired, boolean bytes) {
    boolean senderQueried = queried(f.sender());
    boolean receiverQueried = queried(f.receiver());
    boolean differs = senderQueried && receiverQueried && sent != received;
    out.append("<tr><td>")
        .append(what)
        .append("</td>")
        .append(cell(senderQueried, sent, bytes, false))
        .append(cell(receiverQueried, received, bytes, differs))
        .append("<td class=\"num\">")
        .append(paired < 0 ? "" : Labels.count(paired))
        .append("</td></tr>\n");
  }

  private static String cell(boolean queried, long value, boolean bytes, boolean differs) {
    if (!queried) {
      return "<td class=\"num muted\" title=\"node not queried\">&#8212;</td>";
    }
    return "<td class=\"num"
        + (differs ? " differs" : "")
        + "\""
        + (bytes
            ? " title=\"" + Labels.count(value) + " bytes\">" + Labels.bytes(value)
            : ">" + Labels.count(value))
        + "</td>";
  }

  private boolean queried(String participant) {
    return report.participant(participant).map(Participant::queried).orElse(false);
  }

  private void diagram() {
    out.append("<section>\n<h2>Sequence</h2>\n<div class=\"panel diagram\">\n")
        .append(SequenceDiagram.svg(report, labels))
        .append("</div>\n<div class=\"legend\">")
        .append("<span><i class=\"sw msg\"></i>negotiation message</span>")
        .append("<span><i class=\"sw frame\"></i>frames, paired (a run of one stream)</span>")
        .append("<span><i class=\"sw bad\"></i>discrepancy (D1, D2, &#8230; below)</span>")
        .append("<span><i class=\"sw gray\"></i>peer not queried</span>")
        .append("<span><i class=\"sw x\">&#215;</i>never received</span>")
        .append("<span><i class=\"sw found\"></i>received, never sent</span>")
        .append("</div>\n</section>\n");
  }

  private void entries() {
    List<TimelineEntry> timeline = report.timeline();
    boolean oneDay =
        timeline.isEmpty()
            || DAY.format(timeline.get(0).event().time())
                .equals(DAY.format(timeline.get(timeline.size() - 1).event().time()));
    out.append("<section>\n<h2>Entries <span class=\"count\">")
        .append(timeline.size())
        .append("</span></h2>\n")
        .append("<div id=\"filters\" class=\"filters\" hidden=\"hidden\">")
        .append("<input id=\"q\" type=\"search\" placeholder=\"Filter entries\"/>")
        .append("<select id=\"node\"><option value=\"\">all nodes</option>");
    for (Participant p : report.participants()) {
      if (p.queried()) {
        out.append("<option value=\"")
            .append(Html.escape(p.id()))
            .append("\">")
            .append(Html.escape(labels.alias(p.id())))
            .append("</option>");
      }
    }
    out.append("</select><label><input id=\"only-bad\" type=\"checkbox\"/> discrepancies only")
        .append("</label><span id=\"shown\" class=\"muted\"></span></div>\n")
        .append("<div class=\"panel table-wrap\">\n<table id=\"entries\" class=\"entries\">\n")
        .append("<thead><tr><th class=\"num\">#</th><th>Time")
        .append(
            oneDay && !timeline.isEmpty()
                ? " (" + DAY.format(timeline.get(0).event().time()) + ")"
                : "")
        .append("</th><th>Node</th><th>Event</th><th>Peer</th><th>About</th>")
        .append("<th class=\"num\">Rows</th><th class=\"num\">Bytes</th><th>Digest</th>")
        .append("<th>Check</th></tr></thead>\n<tbody>\n");
    for (TimelineEntry entry : timeline) {
      row(entry, oneDay);
    }
    out.append("</tbody>\n</table>\n</div>\n</section>\n");
  }

  private void row(TimelineEntry entry, boolean oneDay) {
    AuditEvent event = entry.event();
    List<Integer> discrepancies = labels.discrepanciesOf(entry.index());
    long[] rowsAndBytes = Labels.rowsAndBytes(event);
    String digest = HexFormat.of().formatHex(event.digest());
    out.append("<tr id=\"e")
        .append(entry.index())
        .append("\" data-node=\"")
        .append(Html.escape(entry.node()))
        .append("\"")
        .append(discrepancies.isEmpty() ? "" : " class=\"bad\"")
        .append("><td class=\"num muted\">")
        .append(entry.index())
        .append("</td><td class=\"mono nowrap\">")
        .append(
            Html.escape(oneDay ? MICROS.format(event.time()) : Labels.TIME.format(event.time())))
        .append("</td><td class=\"nowrap\">")
        .append(dot(entry.node()))
        .append(Html.escape(labels.alias(entry.node())))
        .append("<span class=\"muted small\"> #")
        .append(entry.entry().sequence())
        .append("</span></td><td><span class=\"tag ")
        .append(tagClass(event.type()))
        .append("\">")
        .append(Html.escape(event.type().name()))
        .append("</span></td><td class=\"nowrap\">")
        .append(peer(event))
        .append("</td><td class=\"about\">")
        .append(Html.escape(Labels.what(event)))
        .append("</td><td class=\"num\">")
        .append(rowsAndBytes[0] < 0 ? "" : Labels.count(rowsAndBytes[0]))
        .append("</td><td class=\"num\">")
        .append(rowsAndBytes[1] < 0 ? "" : Labels.count(rowsAndBytes[1]))
        .append("</td><td class=\"mono\"")
        .append(digest.isEmpty() ? "" : " title=\"" + digest + "\"")
        .append(">")
        .append(Labels.shortDigest(event.digest()))
        .append("</td><td class=\"nowrap\">")
        .append(check(entry.index(), discrepancies))
        .append("</td></tr>\n");
  }

  private String peer(AuditEvent event) {
    if (event.counterparty().isEmpty()) {
      return "";
    }
    String arrow =
        switch (event.type()) {
          case FRAME_SENT, NEGOTIATION_SENT -> "&#8594; ";
          case FRAME_RECEIVED, NEGOTIATION_RECEIVED -> "&#8592; ";
          default -> "";
        };
    return "<span title=\""
        + Html.escape(event.counterparty())
        + "\">"
        + arrow
        + Html.escape(labels.alias(event.counterparty()))
        + "</span>";
  }

  private String check(int entry, List<Integer> discrepancies) {
    if (!discrepancies.isEmpty()) {
      StringBuilder badges = new StringBuilder();
      for (int d : discrepancies) {
        badges
            .append("<a class=\"badge bad\" href=\"#d")
            .append(d)
            .append("\">D")
            .append(d)
            .append("</a> ");
      }
      return badges.toString().trim();
    }
    OptionalInt transfer = labels.transferOf(entry);
    if (transfer.isEmpty()) {
      return "";
    }
    Transfer t = report.transfers().get(transfer.getAsInt());
    if (t.status() == Transfer.Status.PAIRED) {
      int partner = labels.partnerOf(entry).getAsInt();
      return "<a class=\"paired\" href=\"#e"
          + partner
          + "\" title=\"logged identically by the other side\">&#10003; paired &#183; #"
          + partner
          + "</a>";
    }
    return "<span class=\"muted\">"
        + (t.status() == Transfer.Status.NOT_QUERIED
            ? "peer not queried"
            : Html.escape(t.status().name().toLowerCase(Locale.ROOT).replace('_', ' ')))
        + "</span>";
  }

  private void findings() {
    List<Finding> discrepancies = labels.discrepancies();
    out.append("<section id=\"discrepancies\">\n<h2>Discrepancies <span class=\"count")
        .append(discrepancies.isEmpty() ? "" : " bad")
        .append("\">")
        .append(discrepancies.size())
        .append("</span></h2>\n");
    if (discrepancies.isEmpty()) {
      out.append(
          "<p class=\"panel none\">&#10003; No discrepancies: every frame and negotiation message"
              + " the queried nodes logged matches the other side&#8217;s entry.</p>\n");
    } else {
      list("d", "bad", discrepancies);
    }
    out.append("</section>\n");
    if (!labels.notes().isEmpty()) {
      out.append("<section id=\"notes\">\n<h2>Notes <span class=\"count\">")
          .append(labels.notes().size())
          .append("</span></h2>\n");
      list("n", "note", labels.notes());
      out.append("</section>\n");
    }
  }

  private void list(String prefix, String tone, List<Finding> findings) {
    out.append("<ol class=\"findings ").append(tone).append("\">\n");
    for (int i = 0; i < findings.size(); i++) {
      Finding f = findings.get(i);
      out.append("<li id=\"")
          .append(prefix)
          .append(i + 1)
          .append("\"><div class=\"finding-head\"><span class=\"badge ")
          .append(tone)
          .append("\">")
          .append(prefix.toUpperCase(Locale.ROOT))
          .append(i + 1)
          .append("</span><span class=\"kind mono\">")
          .append(Html.escape(f.kind().name()))
          .append("</span><span class=\"who\">")
          .append(dot(f.node()))
          .append(Html.escape(labels.alias(f.node())));
      if (!f.counterparty().isEmpty()) {
        out.append(" &#8596; ")
            .append(dot(f.counterparty()))
            .append(Html.escape(labels.alias(f.counterparty())));
      }
      out.append("</span><span class=\"subject muted\">")
          .append(Html.escape(f.subject()))
          .append("</span></div>\n<div class=\"finding-text\">")
          .append(Html.escape(f.message()))
          .append("</div>");
      if (!f.entries().isEmpty()) {
        out.append("<div class=\"finding-entries small\">entries ");
        List<Integer> entries = f.entries();
        int shown = Math.min(entries.size(), 40);
        for (int e = 0; e < shown; e++) {
          out.append(e == 0 ? "" : ", ")
              .append("<a href=\"#e")
              .append(entries.get(e))
              .append("\">#")
              .append(entries.get(e))
              .append("</a>");
        }
        if (entries.size() > shown) {
          out.append(" and ").append(entries.size() - shown).append(" more");
        }
        out.append("</div>");
      }
      out.append("</li>\n");
    }
    out.append("</ol>\n");
  }

  private String dot(String participant) {
    int index = 0;
    List<Participant> participants = report.participants();
    for (int i = 0; i < participants.size(); i++) {
      if (participants.get(i).id().equals(participant)) {
        index = i;
      }
    }
    boolean queried = report.participant(participant).map(Participant::queried).orElse(false);
    return "<i class=\"dot\" style=\"background:"
        + (queried ? SequenceDiagram.PALETTE[index % SequenceDiagram.PALETTE.length] : "#94a3b8")
        + "\"></i>";
  }

  private static String tagClass(EventType type) {
    return switch (type) {
      case FRAME_SENT, FRAME_RECEIVED -> "frame";
      case NEGOTIATION_SENT, NEGOTIATION_RECEIVED, AGREEMENT_SIGNED -> "msg";
      case RESULT_RELEASED, RESULT_KEPT, COMPUTATION_FINISHED -> "ok";
      case COMPUTATION_REFUSED,
          COMPUTATION_FAILED,
          RESULT_WITHHELD,
          POLICY_DENIED,
          HANDSHAKE_REFUSED,
          RESULT_SWEEP_FAILED,
          AGREEMENT_TERMINATED ->
          "warn";
      default -> "plain";
    };
  }

  private static String mono(String text) {
    return "<span class=\"mono\">" + Html.escape(text) + "</span>";
  }

  private static String join(List<String> parts, String separator) {
    return String.join(separator, parts);
  }

  private static String duration(Duration d) {
    long millis = d.toMillis();
    if (millis < 1000) {
      return millis + " ms";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    long seconds = d.toSeconds();
    if (seconds < 3600) {
      return seconds / 60 + " min " + seconds % 60 + " s";
    }
    return seconds / 3600 + " h " + (seconds % 3600) / 60 + " min";
  }

  private static final String CSS =
      """
      :root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f6f8fb;--ok:#15803d;\
      --bad:#c62828;--warn:#b45309;--msg:#4338ca;--frame:#0f766e}
      *{box-sizing:border-box}
      [hidden]{display:none!important}
      html{background:var(--bg)}
      body{margin:0;color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,\
      "Helvetica Neue",Arial,sans-serif}
      main{max-width:1280px;margin:0 auto;padding:28px 32px 40px}
      .mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
      .muted{color:var(--muted)}
      .small{font-size:12px}
      .nowrap{white-space:nowrap}
      a{color:inherit}
      header.top{display:flex;justify-content:space-between;align-items:flex-end;gap:32px;\
      padding-bottom:18px;border-bottom:1px solid var(--line)}
      .eyebrow{text-transform:uppercase;letter-spacing:.09em;font-size:11.5px;font-weight:700;\
      color:var(--muted)}
      h1{margin:4px 0 0;font-size:24px;font-weight:700;word-break:break-all}
      .facts{display:grid;grid-template-columns:auto auto;gap:3px 16px;margin:0;font-size:13px;\
      flex-shrink:0}
      .facts dt{color:var(--muted);text-align:right}
      .facts dd{margin:0}
      .status{display:flex;align-items:center;gap:20px;margin:22px 0;padding:18px 24px;\
      border-radius:12px;border:1px solid}
      .status.ok{background:#f0fdf4;border-color:#bbf7d0}
      .status.partial{background:#fffbeb;border-color:#fde68a}
      .status.bad{background:#fef2f2;border-color:#fecaca}
      .status-icon{flex:0 0 56px;height:56px;border-radius:50%;display:flex;align-items:center;\
      justify-content:center;color:#fff;font-size:30px;font-weight:800}
      .ok .status-icon{background:var(--ok)}
      .partial .status-icon{background:#d97706}
      .bad .status-icon{background:var(--bad)}
      .status-word{font-size:28px;font-weight:800;letter-spacing:.03em;line-height:1.1}
      .ok .status-word{color:var(--ok)}
      .partial .status-word{color:var(--warn)}
      .bad .status-word{color:var(--bad)}
      .status-line{margin-top:4px;font-size:15px;color:#334155}
      .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:14px;\
      align-items:start}
      .card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 16px}
      .card.bad{border-color:#fca5a5}
      .card-head{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;margin-bottom:4px}
      .card-title{font-weight:700;font-size:15px;margin-right:auto}
      .problem{margin-top:6px;color:var(--bad)}
      .pill{font-size:11.5px;font-weight:600;padding:2px 8px;border-radius:999px;white-space:nowrap}
      .pill.ok{background:#dcfce7;color:#166534}
      .pill.bad{background:#fee2e2;color:#991b1b}
      .pill.gray{background:#f1f5f9;color:#475569}
      .dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px;\
      vertical-align:baseline}
      table.mini{border-collapse:collapse;width:100%;margin-top:6px;font-size:12.5px}
      table.mini th{font-weight:600;color:var(--muted);text-align:right;padding:2px 4px}
      table.mini td{padding:2px 4px;border-top:1px solid #f1f5f9}
      table.mini td:first-child{color:var(--muted)}
      .num{text-align:right;font-variant-numeric:tabular-nums}
      .differs{color:var(--bad);font-weight:700}
      h2{font-size:15px;text-transform:uppercase;letter-spacing:.06em;color:#334155;\
      margin:34px 0 12px}
      .count{display:inline-block;min-width:22px;padding:0 7px;margin-left:6px;border-radius:999px;\
      background:#e2e8f0;color:#334155;font-size:12px;text-align:center;letter-spacing:0}
      .count.bad{background:var(--bad);color:#fff}
      .panel{background:#fff;border:1px solid var(--line);border-radius:10px}
      .diagram{padding:10px 6px;overflow-x:auto}
      .diagram svg{display:block;max-width:100%;height:auto;margin:0 auto}
      .halo{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
      .legend{display:flex;flex-wrap:wrap;gap:6px 20px;margin-top:8px;font-size:12px;\
      color:var(--muted)}
      .legend span{display:inline-flex;align-items:center;gap:6px}
      .sw{display:inline-block;width:26px;height:0;border-top:3px solid}
      .sw.msg{border-color:var(--msg);border-top-width:2px}
      .sw.frame{border-color:var(--frame);border-top-width:5px}
      .sw.bad{border-color:var(--bad);border-top-width:2px}
      .sw.gray{border-color:#94a3b8;border-top-style:dashed}
      .sw.x{border:0;height:auto;width:auto;color:var(--bad);font-style:normal;font-weight:800;\
      font-size:15px}
      .sw.found{width:10px;height:10px;border:0;border-radius:50%;background:var(--bad)}
      .filters{display:flex;gap:12px;align-items:center;margin-bottom:10px;font-size:13px}
      .filters input[type=search]{padding:6px 10px;border:1px solid #cbd5e1;border-radius:6px;\
      width:260px;font:inherit}
      .filters select{padding:5px 8px;border:1px solid #cbd5e1;border-radius:6px;font:inherit}
      .table-wrap{overflow-x:auto}
      table.entries{width:100%;border-collapse:collapse;font-size:12.5px}
      table.entries th{position:sticky;top:0;background:#f1f5f9;text-align:left;font-weight:600;\
      color:#334155;padding:7px 8px;border-bottom:1px solid var(--line);white-space:nowrap}
      table.entries th.num{text-align:right}
      table.entries td{padding:4px 8px;border-top:1px solid #f1f5f9;vertical-align:top}
      table.entries tbody tr:hover td{background:#f8fafc}
      table.entries tr.bad td{background:#fef2f2}
      table.entries tr.bad td:first-child{box-shadow:inset 3px 0 var(--bad)}
      table.entries tr:target td{background:#fef9c3}
      .about{max-width:330px;overflow-wrap:anywhere;color:#334155}
      .tag{display:inline-block;padding:1px 6px;border-radius:4px;font-size:11px;font-weight:600;\
      font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;\
      white-space:nowrap}
      .tag.frame{background:#ccfbf1;color:#115e59}
      .tag.msg{background:#e0e7ff;color:#3730a3}
      .tag.ok{background:#dcfce7;color:#166534}
      .tag.warn{background:#fef3c7;color:#92400e}
      .tag.plain{background:#f1f5f9;color:#334155}
      .paired{color:var(--ok);text-decoration:none;font-weight:600}
      .badge{display:inline-block;padding:1px 7px;border-radius:5px;font-size:11.5px;\
      font-weight:700;text-decoration:none;color:#fff}
      .badge.bad{background:var(--bad)}
      .badge.note{background:#d97706}
      .none{padding:14px 18px;color:var(--ok);font-weight:600;margin:0}
      ol.findings{list-style:none;margin:0;padding:0;display:grid;gap:10px}
      ol.findings li{background:#fff;border:1px solid var(--line);border-radius:10px;\
      padding:12px 16px}
      ol.findings.bad li{border-left:4px solid var(--bad)}
      ol.findings.note li{border-left:4px solid #d97706}
      ol.findings li:target{box-shadow:0 0 0 3px #fde68a}
      .finding-head{display:flex;flex-wrap:wrap;align-items:center;gap:10px;margin-bottom:4px}
      .kind{font-weight:700;font-size:12.5px}
      .bad .kind{color:var(--bad)}
      .note .kind{color:var(--warn)}
      .who{font-weight:600}
      .finding-text{color:#1e293b;overflow-wrap:anywhere}
      .finding-entries{margin-top:4px;color:var(--muted)}
      footer{margin-top:36px;padding-top:14px;border-top:1px solid var(--line);font-size:12px;\
      color:var(--muted)}
      @media print{.filters{display:none}main{max-width:none;padding:0}}
      """;

  /** Optional: shows the filters and applies them; the page is complete without it. */
  private static final String SCRIPT =
      """
      (function () {
        var filters = document.getElementById('filters');
        var q = document.getElementById('q');
        var node = document.getElementById('node');
        var onlyBad = document.getElementById('only-bad');
        var shown = document.getElementById('shown');
        var rows = document.querySelectorAll('#entries tbody tr');
        function apply() {
          var text = q.value.toLowerCase();
          var count = 0;
          for (var i = 0; i < rows.length; i++) {
            var row = rows[i];
            var visible = (!text || row.textContent.toLowerCase().indexOf(text) >= 0)
                && (!node.value || row.getAttribute('data-node') === node.value)
                && (!onlyBad.checked || row.classList.contains('bad'));
            row.hidden = !visible;
            if (visible) { count++; }
          }
          shown.textContent = count + ' of ' + rows.length + ' shown';
        }
        q.addEventListener('input', apply);
        node.addEventListener('change', apply);
        onlyBad.addEventListener('change', apply);
        filters.hidden = false;
        apply();
      })();
      """;
}
