package io.sluice.audit.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.error.SluiceException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What the human-readable renderers share: short participant names, number and time formats, and
 * which findings and transfer each timeline entry belongs to.
 *
 * <p>Everything in a report comes from nodes' logs, which a node can fill with anything, so text
 * for people goes through {@link #printable}: control and format characters (bidirectional
 * overrides, zero-width characters) are shown as {@code \\uXXXX} rather than acting on a terminal
 * or reordering what an operator reads.
 */
final class Labels {
  static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT)
          .withZone(ZoneOffset.UTC);
  static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final TraceReport report;
  private final Map<String, String> aliases = new LinkedHashMap<>();
  private final int[] transferOfEntry;
  private final Map<Integer, List<Integer>> discrepanciesOfEntry = new HashMap<>();
  private final Map<Integer, List<Integer>> discrepanciesOfTransfer = new HashMap<>();
  private final List<Finding> discrepancies;
  private final List<Finding> notes;

  Labels(TraceReport report) {
    this.report = report;
    Map<String, Integer> uses = new HashMap<>();
    for (Participant p : report.participants()) {
      uses.merge(lastSegment(p.id()), 1, Integer::sum);
    }
    for (Participant p : report.participants()) {
      String last = lastSegment(p.id());
      aliases.put(p.id(), printable(!last.isEmpty() && uses.get(last) == 1 ? last : p.id()));
    }
    transferOfEntry = new int[report.timeline().size()];
    Arrays.fill(transferOfEntry, -1);
    List<Transfer> transfers = report.transfers();
    for (int i = 0; i < transfers.size(); i++) {
      int transfer = i;
      transfers.get(i).sent().ifPresent(e -> transferOfEntry[e] = transfer);
      transfers.get(i).received().ifPresent(e -> transferOfEntry[e] = transfer);
    }
    discrepancies = report.discrepancies();
    notes = report.notes();
    for (int d = 0; d < discrepancies.size(); d++) {
      Finding finding = discrepancies.get(d);
      for (int entry : finding.entries()) {
        discrepanciesOfEntry.computeIfAbsent(entry, k -> new ArrayList<>()).add(d + 1);
      }
      if (finding.transfer().isPresent()) {
        discrepanciesOfTransfer
            .computeIfAbsent(finding.transfer().getAsInt(), k -> new ArrayList<>())
            .add(d + 1);
      }
    }
  }

  List<Finding> discrepancies() {
    return discrepancies;
  }

  List<Finding> notes() {
    return notes;
  }

  /** A participant's short name: the last path segment of its id when that is unique. */
  String alias(String participant) {
    return participant.isEmpty() ? "" : aliases.getOrDefault(participant, printable(participant));
  }

  /** The transfer an entry belongs to. */
  OptionalInt transferOf(int entry) {
    int t = transferOfEntry[entry];
    return t < 0 ? OptionalInt.empty() : OptionalInt.of(t);
  }

  /** The 1-based numbers (in {@link #discrepancies()}) of the discrepancies naming an entry. */
  List<Integer> discrepanciesOf(int entry) {
    return discrepanciesOfEntry.getOrDefault(entry, List.of());
  }

  /** The 1-based numbers of the discrepancies about a transfer. */
  List<Integer> discrepanciesOfTransfer(int transfer) {
    return discrepanciesOfTransfer.getOrDefault(transfer, List.of());
  }

  /** The entry on the other side of an entry's transfer, if both sides logged it. */
  OptionalInt partnerOf(int entry) {
    OptionalInt transfer = transferOf(entry);
    if (transfer.isEmpty()) {
      return OptionalInt.empty();
    }
    Transfer t = report.transfers().get(transfer.getAsInt());
    if (t.sent().isEmpty() || t.received().isEmpty()) {
      return OptionalInt.empty();
    }
    return t.sent().getAsInt() == entry ? t.received() : t.sent();
  }

  /**
   * What an entry is about, in a few words: "stream s-1 frame 7" for a frame, "offer m-1" for a
   * negotiation message, the details for anything else.
   */
  static String what(AuditEvent event) {
    ObjectNode details;
    try {
      details = event.details();
    } catch (SluiceException e) {
      return printable(event.detailsJson());
    }
    switch (event.type()) {
      case FRAME_SENT, FRAME_RECEIVED -> {
        return "stream "
            + printable(textOf(details.get("stream")))
            + " frame "
            + printable(textOf(details.get("frame")));
      }
      case NEGOTIATION_SENT, NEGOTIATION_RECEIVED -> {
        return printable(textOf(details.get("kind")))
            + " "
            + printable(textOf(details.get("message")));
      }
      default -> {
        return details.isEmpty() ? "" : printable(event.detailsJson());
      }
    }
  }

  /** The rows and bytes of a frame entry, or -1 each when it is not one or they are not valid. */
  static long[] rowsAndBytes(AuditEvent event) {
    if (event.type() != EventType.FRAME_SENT && event.type() != EventType.FRAME_RECEIVED) {
      return new long[] {-1, -1};
    }
    try {
      ObjectNode details = event.details();
      return new long[] {longOf(details.get("rows")), longOf(details.get("bytes"))};
    } catch (SluiceException e) {
      return new long[] {-1, -1};
    }
  }

  private static long longOf(JsonNode node) {
    return node != null && node.isIntegralNumber() && node.canConvertToLong()
        ? node.longValue()
        : -1;
  }

  private static String textOf(JsonNode node) {
    if (node == null) {
      return "?";
    }
    return node.isTextual() ? node.textValue() : node.toString();
  }

  /** "computation started" for COMPUTATION_STARTED. */
  static String eventName(EventType type) {
    return type.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  static String shortDigest(byte[] digest) {
    String hex = HexFormat.of().formatHex(digest);
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** A byte count for people: "912 B", "4.0 KiB", "1.3 MiB". */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = n;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  static String plural(long n, String one) {
    return plural(n, one, one + "s");
  }

  static String plural(long n, String one, String many) {
    return count(n) + " " + (n == 1 ? one : many);
  }

  static String status(TraceStatus status) {
    return switch (status) {
      case VERIFIED -> "VERIFIED";
      case PARTIAL -> "PARTIALLY VERIFIED";
      case DISCREPANCIES -> "DISCREPANCIES FOUND";
    };
  }

  /**
   * {@code text} with every control character, format character (bidirectional overrides,
   * zero-width marks), line or paragraph separator and lone surrogate written as {@code \\uXXXX}.
   */
  static String printable(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean pairedSurrogate =
          Character.isHighSurrogate(c)
                  && i + 1 < text.length()
                  && Character.isLowSurrogate(text.charAt(i + 1))
              || Character.isLowSurrogate(c)
                  && i > 0
                  && Character.isHighSurrogate(text.charAt(i - 1));
      int type = Character.getType(c);
      boolean unsafe =
          Character.isISOControl(c)
              || type == Character.FORMAT
              || type == Character.LINE_SEPARATOR
              || type == Character.PARAGRAPH_SEPARATOR
              || (Character.isSurrogate(c) && !pairedSurrogate);
      if (unsafe && out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (out != null) {
        if (unsafe) {
          out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
        } else {
          out.append(c);
        }
      }
    }
    return out == null ? text : out.toString();
  }

  /** Pads on the right to {@code width} (text renderer columns). */
  static String pad(String text, int width) {
    return text.length() >= width ? text : text + " ".repeat(width - text.length());
  }

  static String padLeft(String text, int width) {
    return text.length() >= width ? text : " ".repeat(width - text.length()) + text;
  }

  private static String lastSegment(String id) {
    String trimmed = id;
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed.substring(trimmed.lastIndexOf('/') + 1);
  }
}
