package io.sluice.audit.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.audit.HeadCheck;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pairs the audit entries that several nodes logged for one trace: every frame and negotiation
 * message the sender logged with the receiver's entry for it, and reports what does not match. See
 * {@code docs/audit-trace.md} for the logging conventions it relies on and the pairing rules.
 *
 * <p>Pure and deterministic: the report depends only on the trace id and the nodes' entries (not on
 * the order of the nodes), and the renderers turn equal reports into identical bytes.
 */
public final class TraceAnalysis {
  private TraceAnalysis() {}

  /**
   * Analyses one trace.
   *
   * @param nodes one per queried node, each participant at most once
   * @throws SluiceException INVALID_ARGUMENT if there is no node or a participant appears twice
   */
  public static TraceReport analyze(String traceId, List<NodeTrace> nodes) {
    Objects.requireNonNull(traceId, "traceId");
    if (nodes.isEmpty()) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "a trace analysis needs a node");
    }
    Map<String, NodeTrace> byParticipant = new HashMap<>();
    for (NodeTrace node : nodes) {
      if (byParticipant.put(node.participant(), node) != null) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "participant " + node.participant() + " is in the trace analysis twice");
      }
    }
    return new Analysis(traceId, byParticipant).run();
  }

  /** One side's entry of a frame or message, read from its details. */
  private record Side(
      TimelineEntry entry,
      String sender,
      String receiver,
      Transfer.Key key,
      byte[] digest,
      long rows,
      long bytes,
      String messageKind) {
    int index() {
      return entry.index();
    }

    String node() {
      return entry.node();
    }

    long sequence() {
      return entry.entry().sequence();
    }
  }

  private record PairKey(String sender, String receiver, Transfer.Key key) {}

  private static final class Sides {
    final List<Side> sent = new ArrayList<>();
    final List<Side> received = new ArrayList<>();
  }

  /** A transfer before its position in the report is known. */
  private static final class Draft {
    final PairKey key;
    final Side sent;
    final Side received;
    Transfer.Status status;
    int index;

    Draft(PairKey key, Side sent, Side received) {
      this.key = key;
      this.sent = sent;
      this.received = received;
    }

    int first() {
      return sent == null
          ? received.index()
          : (received == null ? sent.index() : Math.min(sent.index(), received.index()));
    }
  }

  /** A finding before the transfers are numbered; ordered by (group, position, kind). */
  private record Pending(
      int group,
      int position,
      Finding.Kind kind,
      String node,
      String counterparty,
      String subject,
      String message,
      Draft draft,
      List<Integer> entries) {}

  private static final class Analysis {
    private final String traceId;
    private final Map<String, NodeTrace> nodes;
    private final List<TimelineEntry> timeline = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Map<PairKey, Sides> pairs = new LinkedHashMap<>();
    private final Set<String> agreements = new TreeSet<>();
    private final List<String> participantOrder = new ArrayList<>();

    Analysis(String traceId, Map<String, NodeTrace> nodes) {
      this.traceId = traceId;
      this.nodes = nodes;
    }

    TraceReport run() {
      mergeTimeline();
      orderParticipants();
      checkNodes();
      for (TimelineEntry entry : timeline) {
        read(entry);
      }
      List<Draft> drafts = pair();
      drafts.sort(Comparator.comparingInt(Draft::first));
      List<Transfer> transfers = new ArrayList<>(drafts.size());
      for (Draft draft : drafts) {
        draft.index = transfers.size();
        transfers.add(
            new Transfer(
                draft.key.sender(),
                draft.key.receiver(),
                draft.key.key(),
                draft.sent == null ? OptionalInt.empty() : OptionalInt.of(draft.sent.index()),
                draft.received == null
                    ? OptionalInt.empty()
                    : OptionalInt.of(draft.received.index()),
                draft.status));
      }
      noteUnqueriedCounterparties(drafts);
      List<Finding> findings = findings();
      return new TraceReport(
          traceId,
          List.copyOf(agreements),
          participants(),
          timeline,
          transfers,
          flows(drafts, findings, transfers),
          findings);
    }

    private void mergeTimeline() {
      record Raw(String node, AuditEntry entry) {}
      List<Raw> raw = new ArrayList<>();
      for (String participant : new TreeSet<>(nodes.keySet())) {
        // The same leaf returned twice (say, overlapping pages) is one fact, not a duplicate.
        for (AuditEntry entry : new LinkedHashSet<>(nodes.get(participant).entries())) {
          raw.add(new Raw(participant, entry));
        }
      }
      raw.sort(
          Comparator.comparingLong((Raw r) -> r.entry().event().timeMicros())
              .thenComparing(Raw::node)
              .thenComparingLong(r -> r.entry().sequence()));
      for (Raw r : raw) {
        timeline.add(new TimelineEntry(timeline.size(), r.node(), r.entry()));
      }
    }

    private void orderParticipants() {
      Set<String> order = new LinkedHashSet<>();
      for (TimelineEntry entry : timeline) {
        order.add(entry.node());
        if (!entry.event().counterparty().isEmpty()) {
          order.add(entry.event().counterparty());
        }
      }
      order.addAll(new TreeSet<>(nodes.keySet()));
      participantOrder.addAll(order);
    }

    private List<Participant> participants() {
      List<Participant> participants = new ArrayList<>();
      Map<String, Integer> counts = new HashMap<>();
      for (TimelineEntry entry : timeline) {
        counts.merge(entry.node(), 1, Integer::sum);
      }
      for (String id : participantOrder) {
        NodeTrace node = nodes.get(id);
        participants.add(
            node == null
                ? new Participant(id, false, 0, false, "")
                : new Participant(
                    id, true, counts.getOrDefault(id, 0), node.proofsVerified(), node.problem()));
      }
      return participants;
    }

    private void checkNodes() {
      Set<String> withEntries = new HashSet<>();
      for (TimelineEntry entry : timeline) {
        withEntries.add(entry.node());
      }
      for (String id : participantOrder) {
        NodeTrace node = nodes.get(id);
        if (node == null) {
          continue;
        }
        int position = participantOrder.indexOf(id);
        if (!node.proofsVerified()) {
          String why = node.problem().isEmpty() ? "" : ": " + node.problem();
          pending.add(
              new Pending(
                  0,
                  position,
                  Finding.Kind.PROOFS_NOT_VERIFIED,
                  id,
                  "",
                  "node",
                  "the inclusion proofs of " + id + "'s entries did not verify" + why,
                  null,
                  List.of()));
        }
        headFinding(id, position, node.heads());
        if (!withEntries.contains(id)) {
          pending.add(
              new Pending(
                  0,
                  position,
                  Finding.Kind.NO_ENTRIES,
                  id,
                  "",
                  "node",
                  id + " returned no entries for trace " + traceId,
                  null,
                  List.of()));
        }
      }
    }

    /** A rewritten log, or a head that could not be checked, as a finding about the node. */
    private void headFinding(String id, int position, HeadCheck heads) {
      Finding.Kind kind =
          switch (heads.verdict()) {
            case INCONSISTENT -> Finding.Kind.HEADS_INCONSISTENT;
            case UNPROVEN, INVALID -> Finding.Kind.HEADS_UNPROVEN;
            case NOT_CHECKED, FIRST, CONSISTENT -> null;
          };
      if (kind != null) {
        pending.add(
            new Pending(
                0, position, kind, id, heads.holder(), "node", heads.message(), null, List.of()));
      }
    }

    /** Reads a frame or message entry into {@link #pairs}, or notes why it cannot be paired. */
    private void read(TimelineEntry entry) {
      AuditEvent event = entry.event();
      String node = entry.node();
      long sequence = entry.entry().sequence();
      if (!event.traceId().equals(traceId)) {
        entryFinding(
            entry,
            Finding.Kind.WRONG_TRACE,
            event.counterparty(),
            node + "'s entry " + sequence + " belongs to trace '" + event.traceId() + "'");
        return;
      }
      if (!event.agreementId().isEmpty()) {
        agreements.add(event.agreementId());
      }
      EventType type = event.type();
      boolean frame = type == EventType.FRAME_SENT || type == EventType.FRAME_RECEIVED;
      boolean message =
          type == EventType.NEGOTIATION_SENT || type == EventType.NEGOTIATION_RECEIVED;
      if (!frame && !message) {
        return;
      }
      boolean sent = type == EventType.FRAME_SENT || type == EventType.NEGOTIATION_SENT;
      String peer = event.counterparty();
      if (!event.actor().equals(node)) {
        entryFinding(
            entry,
            Finding.Kind.WRONG_ACTOR,
            peer,
            node
                + "'s entry "
                + sequence
                + " ("
                + type
                + ") names "
                + event.actor()
                + " as its actor");
      }
      if (peer.isEmpty() || peer.equals(node)) {
        malformed(
            entry, peer.isEmpty() ? "names no counterparty" : "names its own node as counterparty");
        return;
      }
      ObjectNode details;
      try {
        details = event.details();
      } catch (SluiceException e) {
        malformed(entry, "has details that are not a JSON object");
        return;
      }
      Side side;
      if (frame) {
        String stream = text(details, "stream");
        long number = count(details, "frame");
        long rows = count(details, "rows");
        long bytes = count(details, "bytes");
        if (stream == null || number < 0 || rows < 0 || bytes < 0) {
          malformed(
              entry,
              "lacks a valid 'stream' (non-empty text) or 'frame', 'rows' or 'bytes'"
                  + " (non-negative integers)");
          return;
        }
        side = side(entry, sent, peer, new Transfer.FrameKey(stream, number), rows, bytes, "");
      } else {
        String id = text(details, "message");
        if (id == null) {
          malformed(entry, "lacks a valid 'message' id (non-empty text)");
          return;
        }
        String kind = text(details, "kind");
        side = side(entry, sent, peer, new Transfer.MessageKey(id), 0, 0, kind == null ? "" : kind);
      }
      Sides sides =
          pairs.computeIfAbsent(
              new PairKey(side.sender(), side.receiver(), side.key()), k -> new Sides());
      (sent ? sides.sent : sides.received).add(side);
    }

    private static Side side(
        TimelineEntry entry,
        boolean sent,
        String peer,
        Transfer.Key key,
        long rows,
        long bytes,
        String kind) {
      String node = entry.node();
      return new Side(
          entry,
          sent ? node : peer,
          sent ? peer : node,
          key,
          entry.event().digest(),
          rows,
          bytes,
          kind);
    }

    private void malformed(TimelineEntry entry, String what) {
      entryFinding(
          entry,
          Finding.Kind.MALFORMED_ENTRY,
          entry.event().counterparty(),
          entry.node()
              + "'s entry "
              + entry.entry().sequence()
              + " ("
              + entry.event().type()
              + ") "
              + what);
    }

    private void entryFinding(
        TimelineEntry entry, Finding.Kind kind, String counterparty, String message) {
      pending.add(
          new Pending(
              1,
              entry.index(),
              kind,
              entry.node(),
              counterparty,
              "entry " + entry.entry().sequence() + " of " + entry.node(),
              message,
              null,
              List.of(entry.index())));
    }

    private List<Draft> pair() {
      List<Draft> drafts = new ArrayList<>();
      for (Map.Entry<PairKey, Sides> pair : pairs.entrySet()) {
        PairKey key = pair.getKey();
        Sides sides = pair.getValue();
        int n = Math.max(sides.sent.size(), sides.received.size());
        for (int i = 0; i < n; i++) {
          Side sent = i < sides.sent.size() ? sides.sent.get(i) : null;
          Side received = i < sides.received.size() ? sides.received.get(i) : null;
          Draft draft = new Draft(key, sent, received);
          drafts.add(draft);
          if (i > 0) {
            draft.status = Transfer.Status.DUPLICATE;
            if (sent != null) {
              duplicate(draft, Finding.Kind.DUPLICATE_SENT, sides.sent.get(0), sent);
            }
            if (received != null) {
              duplicate(draft, Finding.Kind.DUPLICATE_RECEIVED, sides.received.get(0), received);
            }
            if (sent != null && received != null) {
              compare(draft);
            }
          } else if (sent != null && received != null) {
            draft.status = compare(draft) ? Transfer.Status.PAIRED : Transfer.Status.MISMATCH;
          } else if (sent != null) {
            draft.status = unpaired(draft, sent, key.receiver(), Finding.Kind.NOT_RECEIVED);
          } else {
            draft.status = unpaired(draft, received, key.sender(), Finding.Kind.NOT_SENT);
          }
        }
      }
      return drafts;
    }

    private Transfer.Status unpaired(Draft draft, Side side, String other, Finding.Kind kind) {
      if (!nodes.containsKey(other)) {
        return Transfer.Status.NOT_QUERIED;
      }
      PairKey key = draft.key;
      String subject = key.key().describe();
      String message =
          kind == Finding.Kind.NOT_RECEIVED
              ? side.node()
                  + " sent "
                  + subject
                  + " to "
                  + other
                  + " (entry "
                  + side.sequence()
                  + "), but "
                  + other
                  + "'s log has no receipt of it"
              : side.node()
                  + " received "
                  + subject
                  + " from "
                  + other
                  + " (entry "
                  + side.sequence()
                  + "), but "
                  + other
                  + "'s log has no send of it";
      pending.add(
          new Pending(
              1,
              side.index(),
              kind,
              side.node(),
              other,
              subject,
              message,
              draft,
              List.of(side.index())));
      return kind == Finding.Kind.NOT_RECEIVED
          ? Transfer.Status.NOT_RECEIVED
          : Transfer.Status.NOT_SENT;
    }

    private void duplicate(Draft draft, Finding.Kind kind, Side first, Side again) {
      String verb = kind == Finding.Kind.DUPLICATE_SENT ? "sending" : "receiving";
      String other =
          kind == Finding.Kind.DUPLICATE_SENT ? draft.key.receiver() : draft.key.sender();
      String preposition = kind == Finding.Kind.DUPLICATE_SENT ? " to " : " from ";
      pending.add(
          new Pending(
              1,
              again.index(),
              kind,
              again.node(),
              other,
              draft.key.key().describe(),
              again.node()
                  + " logged "
                  + verb
                  + " "
                  + draft.key.key().describe()
                  + preposition
                  + other
                  + " again (entry "
                  + again.sequence()
                  + "; first in entry "
                  + first.sequence()
                  + ")",
              draft,
              sorted(first.index(), again.index())));
    }

    /** Compares both sides of a transfer; true when they agree. */
    private boolean compare(Draft draft) {
      Side sent = draft.sent;
      Side received = draft.received;
      String subject = draft.key.key().describe();
      String between =
          subject + " from " + draft.key.sender() + " to " + draft.key.receiver() + ": ";
      int before = pending.size();
      if (draft.key.key() instanceof Transfer.MessageKey
          && !sent.messageKind().equals(received.messageKind())) {
        mismatch(
            draft,
            Finding.Kind.KIND_MISMATCH,
            between
                + "sent as '"
                + sent.messageKind()
                + "', received as '"
                + received.messageKind()
                + "'");
      }
      if (!Arrays.equals(sent.digest(), received.digest())) {
        mismatch(
            draft,
            Finding.Kind.DIGEST_MISMATCH,
            between
                + "digest "
                + hexOrNone(sent.digest())
                + " as sent, "
                + hexOrNone(received.digest())
                + " as received");
      }
      if (sent.rows() != received.rows()) {
        mismatch(
            draft,
            Finding.Kind.ROWS_MISMATCH,
            between + count(sent.rows()) + " rows sent, " + count(received.rows()) + " received");
      }
      if (sent.bytes() != received.bytes()) {
        mismatch(
            draft,
            Finding.Kind.BYTES_MISMATCH,
            between
                + count(sent.bytes())
                + " bytes sent, "
                + count(received.bytes())
                + " received");
      }
      return pending.size() == before;
    }

    private void mismatch(Draft draft, Finding.Kind kind, String message) {
      List<Integer> entries = sorted(draft.sent.index(), draft.received.index());
      pending.add(
          new Pending(
              1,
              entries.get(0),
              kind,
              draft.key.sender(),
              draft.key.receiver(),
              draft.key.key().describe(),
              message,
              draft,
              entries));
    }

    /** One note per (queried node, unqueried counterparty) rather than one per transfer. */
    private void noteUnqueriedCounterparties(List<Draft> drafts) {
      record Between(String node, String counterparty) {}
      Map<Between, List<Side>> unpaired = new LinkedHashMap<>();
      for (Draft draft : drafts) {
        if (draft.status != Transfer.Status.NOT_QUERIED) {
          continue;
        }
        Side side = draft.sent != null ? draft.sent : draft.received;
        String other = draft.sent != null ? draft.key.receiver() : draft.key.sender();
        unpaired.computeIfAbsent(new Between(side.node(), other), k -> new ArrayList<>()).add(side);
      }
      for (Map.Entry<Between, List<Side>> group : unpaired.entrySet()) {
        List<Side> sides = group.getValue();
        long frames = sides.stream().filter(s -> s.key() instanceof Transfer.FrameKey).count();
        long messages = sides.size() - frames;
        List<String> what = new ArrayList<>();
        if (frames > 0) {
          what.add(plural(frames, "frame"));
        }
        if (messages > 0) {
          what.add(plural(messages, "negotiation message"));
        }
        String node = group.getKey().node();
        String other = group.getKey().counterparty();
        List<Integer> entries = sides.stream().map(Side::index).sorted().toList();
        pending.add(
            new Pending(
                1,
                entries.get(0),
                Finding.Kind.COUNTERPARTY_NOT_QUERIED,
                node,
                other,
                "counterparty " + other,
                String.join(" and ", what)
                    + " between "
                    + node
                    + " and "
                    + other
                    + " could not be paired: "
                    + other
                    + "'s node was not queried",
                null,
                entries));
      }
    }

    private List<Finding> findings() {
      List<Pending> ordered = new ArrayList<>(pending);
      ordered.sort(
          Comparator.comparingInt(Pending::group)
              .thenComparingInt(Pending::position)
              .thenComparing(Pending::kind));
      List<Finding> findings = new ArrayList<>(ordered.size());
      for (Pending p : ordered) {
        findings.add(
            new Finding(
                p.kind(),
                p.node(),
                p.counterparty(),
                p.subject(),
                p.message(),
                p.draft() == null ? OptionalInt.empty() : OptionalInt.of(p.draft().index),
                p.entries()));
      }
      return findings;
    }

    private List<Flow> flows(List<Draft> drafts, List<Finding> findings, List<Transfer> transfers) {
      record Between(String sender, String receiver) {}
      final class Totals {
        long framesSent;
        long framesReceived;
        long framesPaired;
        long rowsSent;
        long rowsReceived;
        long bytesSent;
        long bytesReceived;
        long messagesSent;
        long messagesReceived;
        long messagesPaired;
        int discrepancies;
      }
      Map<Between, Totals> totals = new HashMap<>();
      for (Draft draft : drafts) {
        Totals t =
            totals.computeIfAbsent(
                new Between(draft.key.sender(), draft.key.receiver()), k -> new Totals());
        boolean paired = draft.status == Transfer.Status.PAIRED;
        if (draft.key.key() instanceof Transfer.FrameKey) {
          if (draft.sent != null) {
            t.framesSent++;
            t.rowsSent = add(t.rowsSent, draft.sent.rows());
            t.bytesSent = add(t.bytesSent, draft.sent.bytes());
          }
          if (draft.received != null) {
            t.framesReceived++;
            t.rowsReceived = add(t.rowsReceived, draft.received.rows());
            t.bytesReceived = add(t.bytesReceived, draft.received.bytes());
          }
          t.framesPaired += paired ? 1 : 0;
        } else {
          t.messagesSent += draft.sent != null ? 1 : 0;
          t.messagesReceived += draft.received != null ? 1 : 0;
          t.messagesPaired += paired ? 1 : 0;
        }
      }
      for (Finding finding : findings) {
        if (finding.isDiscrepancy() && finding.transfer().isPresent()) {
          Transfer transfer = transfers.get(finding.transfer().getAsInt());
          totals.get(new Between(transfer.sender(), transfer.receiver())).discrepancies++;
        }
      }
      List<Between> order = new ArrayList<>(totals.keySet());
      order.sort(
          Comparator.comparingInt((Between b) -> participantOrder.indexOf(b.sender()))
              .thenComparingInt(b -> participantOrder.indexOf(b.receiver())));
      List<Flow> flows = new ArrayList<>(order.size());
      for (Between b : order) {
        Totals t = totals.get(b);
        flows.add(
            new Flow(
                b.sender(),
                b.receiver(),
                t.framesSent,
                t.framesReceived,
                t.framesPaired,
                t.rowsSent,
                t.rowsReceived,
                t.bytesSent,
                t.bytesReceived,
                t.messagesSent,
                t.messagesReceived,
                t.messagesPaired,
                t.discrepancies));
      }
      return flows;
    }
  }

  private static String text(ObjectNode details, String field) {
    JsonNode node = details.get(field);
    return node != null && node.isTextual() && !node.textValue().isEmpty()
        ? node.textValue()
        : null;
  }

  /** A non-negative integer detail, or -1. */
  private static long count(ObjectNode details, String field) {
    JsonNode node = details.get(field);
    return node != null
            && node.isIntegralNumber()
            && node.canConvertToLong()
            && node.longValue() >= 0
        ? node.longValue()
        : -1;
  }

  private static List<Integer> sorted(int a, int b) {
    return a <= b ? List.of(a, b) : List.of(b, a);
  }

  private static long add(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  private static String hexOrNone(byte[] digest) {
    return digest.length == 0 ? "(none)" : HexFormat.of().formatHex(digest);
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String plural(long n, String noun) {
    return count(n) + " " + noun + (n == 1 ? "" : "s");
  }
}
