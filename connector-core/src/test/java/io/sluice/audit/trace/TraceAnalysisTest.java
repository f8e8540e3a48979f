package io.sluice.audit.trace;

import static io.sluice.audit.trace.TraceScenario.FUND;
import static io.sluice.audit.trace.TraceScenario.INSURER;
import static io.sluice.audit.trace.TraceScenario.REGISTRY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.audit.HeadCheck;
import io.sluice.audit.StoredEvents;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceAnalysisTest {
  private static final String FORWARD = "t-1-session/fund-to-insurer";
  private static final String BACK = "t-1-session/insurer-to-fund";

  /** Fund and insurer negotiate, then exchange 20 frames each way; every entry on both sides. */
  private static TraceScenario twoNodes() {
    TraceScenario s = new TraceScenario("t-1", "agr-1");
    TraceScenario.Log fund = s.node(FUND);
    TraceScenario.Log insurer = s.node(INSURER);
    s.message(fund, insurer, "m-1", "request");
    s.message(insurer, fund, "m-2", "agreement");
    s.message(fund, insurer, "m-3", "verification");
    fund.local(EventType.COMPUTATION_STARTED, b -> b.detail("mode", "psi-label"));
    for (int i = 0; i < 20; i++) {
      s.frame(fund, insurer, FORWARD, i, 1000, 65_536);
      s.frame(insurer, fund, BACK, i, 1000, 98_304);
    }
    fund.local(EventType.RESULT_RELEASED, b -> b.detail("rows", 812));
    return s;
  }

  @Test
  void pairsEveryFrameAndMessageBetweenTwoNodes() {
    TraceReport report = twoNodes().analyze();

    assertThat(report.status()).isEqualTo(TraceStatus.VERIFIED);
    assertThat(report.findings()).isEmpty();
    assertThat(report.framesPaired()).isEqualTo(40);
    assertThat(report.messagesPaired()).isEqualTo(3);
    assertThat(report.agreements()).containsExactly("agr-1");
    assertThat(report.participants())
        .containsExactly(
            new Participant(FUND, true, 45, true, ""),
            new Participant(INSURER, true, 43, true, ""));
    assertThat(report.timeline()).hasSize(88);
    assertThat(report.transfers()).hasSize(43);
    for (Transfer t : report.transfers()) {
      assertThat(t.status()).isEqualTo(Transfer.Status.PAIRED);
      TimelineEntry sent = report.timeline().get(t.sent().getAsInt());
      TimelineEntry received = report.timeline().get(t.received().getAsInt());
      assertThat(sent.node()).isEqualTo(t.sender());
      assertThat(received.node()).isEqualTo(t.receiver());
      assertThat(sent.event().type()).isIn(EventType.FRAME_SENT, EventType.NEGOTIATION_SENT);
      assertThat(received.event().type())
          .isIn(EventType.FRAME_RECEIVED, EventType.NEGOTIATION_RECEIVED);
    }
    assertThat(report.flows())
        .containsExactly(
            new Flow(FUND, INSURER, 20, 20, 20, 20_000, 20_000, 1_310_720, 1_310_720, 2, 2, 2, 0),
            new Flow(INSURER, FUND, 20, 20, 20, 20_000, 20_000, 1_966_080, 1_966_080, 1, 1, 1, 0));
  }

  @Test
  void mergesTheTimelineByTimeThenNodeThenSequence() {
    TraceScenario s = new TraceScenario("t-1", "");
    TraceScenario.Log fund = s.node(FUND);
    TraceScenario.Log insurer = s.node(INSURER);
    // Same instant on both nodes: the node's id breaks the tie ("...fund" < "...insurer").
    AuditEvent atOnce = insurer.event(EventType.NODE_STARTED).build();
    insurer.entries.add(new AuditEntry(0, atOnce));
    fund.entries.add(
        new AuditEntry(5, fund.event(EventType.NODE_STARTED).time(atOnce.time()).build()));
    fund.entries.add(
        new AuditEntry(4, fund.event(EventType.CONFIG_CHANGED).time(atOnce.time()).build()));
    s.tick(java.time.Duration.ofSeconds(1));
    insurer.local(EventType.NODE_STOPPED, b -> b);

    List<TimelineEntry> timeline = s.analyze().timeline();

    assertThat(timeline)
        .extracting(TimelineEntry::node)
        .containsExactly(FUND, FUND, INSURER, INSURER);
    assertThat(timeline).extracting(e -> e.entry().sequence()).containsExactly(4L, 5L, 0L, 1L);
    assertThat(timeline).extracting(TimelineEntry::index).containsExactly(0, 1, 2, 3);
  }

  @Test
  void reportsAFrameSentButNeverReceivedNamingBothNodes() {
    TraceScenario s = twoNodes();
    TraceScenario.Log fund = s.node(FUND);
    fund.frame(EventType.FRAME_SENT, INSURER, FORWARD, 20, 500, 32_768);

    TraceReport report = s.analyze();

    assertThat(report.status()).isEqualTo(TraceStatus.DISCREPANCIES);
    assertThat(report.discrepancies()).hasSize(1);
    Finding finding = report.discrepancies().get(0);
    assertThat(finding.kind()).isEqualTo(Finding.Kind.NOT_RECEIVED);
    assertThat(finding.node()).isEqualTo(FUND);
    assertThat(finding.counterparty()).isEqualTo(INSURER);
    assertThat(finding.subject()).isEqualTo("frame 20 of stream " + FORWARD);
    assertThat(finding.message()).contains(FUND).contains(INSURER).contains("no receipt");
    Transfer transfer = report.transfers().get(finding.transfer().getAsInt());
    assertThat(transfer.status()).isEqualTo(Transfer.Status.NOT_RECEIVED);
    assertThat(transfer.received()).isEmpty();
    assertThat(finding.entries()).containsExactly(transfer.sent().getAsInt());
    assertThat(report.flows().get(0))
        .isEqualTo(
            new Flow(FUND, INSURER, 21, 20, 20, 20_500, 20_000, 1_343_488, 1_310_720, 2, 2, 2, 1));
    assertThat(report.framesPaired()).isEqualTo(40);
  }

  @Test
  void reportsAFrameReceivedWithAnotherDigest() {
    TraceScenario s = twoNodes();
    byte[] tampered = TraceScenario.digest(FORWARD, 20);
    tampered[0] ^= 1;
    s.node(FUND).frame(EventType.FRAME_SENT, INSURER, FORWARD, 20, 10, 100);
    s.node(INSURER).frame(EventType.FRAME_RECEIVED, FUND, FORWARD, 20, 10, 100, tampered);

    TraceReport report = s.analyze();

    assertThat(report.discrepancies()).hasSize(1);
    Finding finding = report.discrepancies().get(0);
    assertThat(finding.kind()).isEqualTo(Finding.Kind.DIGEST_MISMATCH);
    assertThat(finding.node()).isEqualTo(FUND);
    assertThat(finding.counterparty()).isEqualTo(INSURER);
    assertThat(finding.message())
        .contains(FUND, INSURER)
        .contains(java.util.HexFormat.of().formatHex(tampered));
    Transfer transfer = report.transfers().get(finding.transfer().getAsInt());
    assertThat(transfer.status()).isEqualTo(Transfer.Status.MISMATCH);
    assertThat(finding.entries())
        .containsExactly(transfer.sent().getAsInt(), transfer.received().getAsInt());
    assertThat(report.framesPaired()).isEqualTo(40);
  }

  @Test
  void reportsOtherRowAndByteCounts() {
    TraceScenario s = twoNodes();
    s.node(INSURER).frame(EventType.FRAME_SENT, FUND, BACK, 20, 1000, 4096);
    s.node(FUND).frame(EventType.FRAME_RECEIVED, INSURER, BACK, 20, 999, 4000);

    TraceReport report = s.analyze();

    assertThat(report.discrepancies())
        .extracting(Finding::kind)
        .containsExactly(Finding.Kind.ROWS_MISMATCH, Finding.Kind.BYTES_MISMATCH);
    assertThat(report.discrepancies().get(0).message()).contains("1,000 rows sent, 999 received");
    assertThat(report.discrepancies())
        .allSatisfy(
            f -> assertThat(List.of(f.node(), f.counterparty())).containsExactly(INSURER, FUND));
  }

  @Test
  void reportsAReceiveWithNoSend() {
    TraceScenario s = twoNodes();
    s.node(INSURER).frame(EventType.FRAME_RECEIVED, FUND, FORWARD, 99, 1, 1);

    TraceReport report = s.analyze();

    Finding finding = report.discrepancies().get(0);
    assertThat(report.discrepancies()).hasSize(1);
    assertThat(finding.kind()).isEqualTo(Finding.Kind.NOT_SENT);
    assertThat(finding.node()).isEqualTo(INSURER);
    assertThat(finding.counterparty()).isEqualTo(FUND);
    assertThat(finding.message()).contains(FUND, INSURER, "no send");
    assertThat(report.transfers().get(finding.transfer().getAsInt()).status())
        .isEqualTo(Transfer.Status.NOT_SENT);
  }

  @Test
  void notesACounterpartyWhoseNodeWasNotQueriedInsteadOfADiscrepancy() {
    TraceReport report = twoNodes().analyze(FUND);

    assertThat(report.discrepancies()).isEmpty();
    assertThat(report.status()).isEqualTo(TraceStatus.PARTIAL);
    assertThat(report.notes()).hasSize(1);
    Finding note = report.notes().get(0);
    assertThat(note.kind()).isEqualTo(Finding.Kind.COUNTERPARTY_NOT_QUERIED);
    assertThat(note.node()).isEqualTo(FUND);
    assertThat(note.counterparty()).isEqualTo(INSURER);
    assertThat(note.message())
        .isEqualTo(
            "40 frames and 3 negotiation messages between "
                + FUND
                + " and "
                + INSURER
                + " could not be paired: "
                + INSURER
                + "'s node was not queried");
    assertThat(note.entries()).hasSize(43);
    assertThat(report.transfers())
        .allSatisfy(t -> assertThat(t.status()).isEqualTo(Transfer.Status.NOT_QUERIED));
    assertThat(report.participant(INSURER)).contains(new Participant(INSURER, false, 0, false, ""));
    assertThat(report.framesPaired()).isZero();
  }

  @Test
  void reportsDuplicateSendsAndReceives() {
    TraceScenario s = twoNodes();
    TraceScenario.Log fund = s.node(FUND);
    TraceScenario.Log insurer = s.node(INSURER);
    fund.frame(EventType.FRAME_SENT, INSURER, FORWARD, 3, 1000, 65_536);
    fund.frame(EventType.FRAME_RECEIVED, INSURER, BACK, 5, 1000, 98_304);
    s.message(fund, insurer, "m-1", "request");

    TraceReport report = s.analyze();

    assertThat(report.discrepancies())
        .extracting(Finding::kind, Finding::node, Finding::counterparty, Finding::subject)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                Finding.Kind.DUPLICATE_SENT, FUND, INSURER, "frame 3 of stream " + FORWARD),
            org.assertj.core.groups.Tuple.tuple(
                Finding.Kind.DUPLICATE_RECEIVED, FUND, INSURER, "frame 5 of stream " + BACK),
            org.assertj.core.groups.Tuple.tuple(
                Finding.Kind.DUPLICATE_SENT, FUND, INSURER, "message m-1"),
            org.assertj.core.groups.Tuple.tuple(
                Finding.Kind.DUPLICATE_RECEIVED, INSURER, FUND, "message m-1"));
    // The first of each is still paired; the repeats are transfers of their own.
    assertThat(report.framesPaired()).isEqualTo(40);
    assertThat(report.messagesPaired()).isEqualTo(3);
    assertThat(report.transfers())
        .filteredOn(t -> t.status() == Transfer.Status.DUPLICATE)
        .hasSize(3);
    assertThat(report.discrepancies().get(0).entries()).hasSize(2);
  }

  @Test
  void pairsNegotiationMessagesByIdAndComparesTheirKinds() {
    TraceScenario s = twoNodes();
    TraceScenario.Log fund = s.node(FUND);
    TraceScenario.Log insurer = s.node(INSURER);
    fund.message(EventType.NEGOTIATION_SENT, INSURER, "m-4", "termination");
    insurer.message(EventType.NEGOTIATION_RECEIVED, FUND, "m-4", "event");
    insurer.message(EventType.NEGOTIATION_SENT, FUND, "m-5", "event");

    TraceReport report = s.analyze();

    assertThat(report.discrepancies())
        .extracting(Finding::kind, Finding::node, Finding::counterparty, Finding::subject)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                Finding.Kind.KIND_MISMATCH, FUND, INSURER, "message m-4"),
            org.assertj.core.groups.Tuple.tuple(
                Finding.Kind.NOT_RECEIVED, INSURER, FUND, "message m-5"));
    assertThat(report.discrepancies().get(0).message())
        .contains("sent as 'termination', received as 'event'");
    assertThat(report.messagesPaired()).isEqualTo(3);
  }

  /** Fund and insurer each send their inputs to a registry that aggregates and answers both. */
  private static TraceScenario threeNodes() {
    TraceScenario s = new TraceScenario("t-3", "agr-3");
    TraceScenario.Log fund = s.node(FUND);
    TraceScenario.Log insurer = s.node(INSURER);
    TraceScenario.Log registry = s.node(REGISTRY);
    s.message(fund, registry, "m-1", "request");
    s.message(insurer, registry, "m-2", "request");
    s.frames(fund, registry, "t-3/fund-in", 5, 100, 1000);
    s.frames(insurer, registry, "t-3/insurer-in", 5, 100, 1000);
    s.frames(registry, fund, "t-3/fund-out", 2, 10, 100);
    s.frames(registry, insurer, "t-3/insurer-out", 2, 10, 100);
    return s;
  }

  @Test
  void pairsTransfersAmongThreeNodes() {
    TraceReport report = threeNodes().analyze();

    assertThat(report.status()).isEqualTo(TraceStatus.VERIFIED);
    assertThat(report.framesPaired()).isEqualTo(14);
    assertThat(report.participants())
        .extracting(Participant::id)
        .containsExactly(FUND, REGISTRY, INSURER);
    assertThat(report.flows())
        .extracting(Flow::sender, Flow::receiver, Flow::framesPaired)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(FUND, REGISTRY, 5L),
            org.assertj.core.groups.Tuple.tuple(REGISTRY, FUND, 2L),
            org.assertj.core.groups.Tuple.tuple(REGISTRY, INSURER, 2L),
            org.assertj.core.groups.Tuple.tuple(INSURER, REGISTRY, 5L));
  }

  @Test
  void namesTheTwoNodesOfAThreeNodeDiscrepancy() {
    TraceScenario s = threeNodes();
    s.node(REGISTRY).frame(EventType.FRAME_SENT, INSURER, "t-3/insurer-out", 2, 10, 100);

    TraceReport report = s.analyze();

    assertThat(report.discrepancies())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Finding.Kind.NOT_RECEIVED);
              assertThat(f.node()).isEqualTo(REGISTRY);
              assertThat(f.counterparty()).isEqualTo(INSURER);
              assertThat(f.message()).doesNotContain(FUND);
            });
    assertThat(report.flows())
        .filteredOn(f -> f.discrepancies() > 0)
        .extracting(Flow::sender, Flow::receiver)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(REGISTRY, INSURER));
  }

  @Test
  void checksWhatItCanWhenOneOfThreeNodesIsNotQueried() {
    TraceScenario s = threeNodes();
    s.node(FUND).frame(EventType.FRAME_SENT, REGISTRY, "t-3/fund-in", 5, 100, 1000);

    TraceReport report = s.analyze(FUND, INSURER);

    assertThat(report.discrepancies()).isEmpty();
    assertThat(report.notes())
        .extracting(Finding::node, Finding::counterparty)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(FUND, REGISTRY),
            org.assertj.core.groups.Tuple.tuple(INSURER, REGISTRY));
    assertThat(report.notes().get(0).message())
        .startsWith("8 frames and 1 negotiation message between");
    assertThat(report.participant(REGISTRY).orElseThrow().queried()).isFalse();
  }

  @Test
  void reportsANodeWhoseProofsDidNotVerifyAndStillPairsItsEntries() {
    TraceScenario s = twoNodes();
    List<NodeTrace> nodes =
        List.of(
            s.node(FUND).verified(),
            NodeTrace.unverified(
                INSURER,
                s.node(INSURER).entries,
                "entry 17: inclusion proof does not match the signed head of size 64"));

    TraceReport report = TraceAnalysis.analyze("t-1", nodes);

    assertThat(report.discrepancies())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Finding.Kind.PROOFS_NOT_VERIFIED);
              assertThat(f.node()).isEqualTo(INSURER);
              assertThat(f.message())
                  .endsWith(
                      ": entry 17: inclusion proof does not match the signed head of size 64");
            });
    assertThat(report.framesPaired()).isEqualTo(40);
    assertThat(report.participant(INSURER).orElseThrow().proofsVerified()).isFalse();
  }

  @Test
  void reportsANodeWhoseLogWasRewrittenThoughEveryProofVerifiesAndEveryFramePairs() {
    TraceScenario s = twoNodes();
    String rewritten =
        FUND
            + " rewrote its audit log: its signed head of size 120 is not consistent with its"
            + " signed head of size 90 that "
            + INSURER
            + " holds (its consistency proof between them does not verify)";
    List<NodeTrace> nodes =
        List.of(
            s.node(FUND)
                .verified()
                .withHeads(
                    new HeadCheck(
                        HeadCheck.Verdict.INCONSISTENT, FUND, INSURER, 90, 120, rewritten)),
            s.node(INSURER).verified());

    TraceReport report = TraceAnalysis.analyze("t-1", nodes);

    assertThat(report.status()).isEqualTo(TraceStatus.DISCREPANCIES);
    assertThat(report.framesPaired()).isEqualTo(40);
    assertThat(report.discrepancies())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Finding.Kind.HEADS_INCONSISTENT);
              assertThat(f.node()).isEqualTo(FUND);
              assertThat(f.counterparty()).isEqualTo(INSURER);
              assertThat(f.message()).isEqualTo(rewritten);
            });
  }

  @Test
  void aHeadThatCouldNotBeCheckedIsADiscrepancyAndAConsistentOneIsNone() {
    TraceScenario s = twoNodes();
    for (HeadCheck.Verdict verdict : HeadCheck.Verdict.values()) {
      HeadCheck check = new HeadCheck(verdict, FUND, INSURER, 90, 120, "fund: " + verdict);
      TraceReport report =
          TraceAnalysis.analyze(
              "t-1", List.of(s.node(FUND).verified().withHeads(check), s.node(INSURER).verified()));
      switch (verdict) {
        case NOT_CHECKED, FIRST, CONSISTENT ->
            assertThat(report.status()).as(verdict.name()).isEqualTo(TraceStatus.VERIFIED);
        case INCONSISTENT ->
            assertThat(report.discrepancies())
                .extracting(Finding::kind)
                .containsExactly(Finding.Kind.HEADS_INCONSISTENT);
        case UNPROVEN, INVALID ->
            assertThat(report.discrepancies())
                .extracting(Finding::kind, Finding::message)
                .containsExactly(
                    org.assertj.core.groups.Tuple.tuple(
                        Finding.Kind.HEADS_UNPROVEN, "fund: " + verdict));
      }
      // every renderer takes the finding
      for (TraceRenderer.Format f : TraceRenderer.Format.values()) {
        assertThat(TraceRenderer.render(report, f)).isNotEmpty();
      }
    }
  }

  @Test
  void notesANodeWithoutEntriesAndReportsWhatItShouldHaveReceived() {
    TraceScenario s = twoNodes();
    List<NodeTrace> nodes =
        List.of(s.node(FUND).verified(), NodeTrace.verified(INSURER, List.of()));

    TraceReport report = TraceAnalysis.analyze("t-1", nodes);

    assertThat(report.notes()).extracting(Finding::kind).containsExactly(Finding.Kind.NO_ENTRIES);
    assertThat(report.discrepancies()).hasSize(43);
    assertThat(report.discrepancies())
        .extracting(Finding::kind)
        .containsOnly(Finding.Kind.NOT_RECEIVED, Finding.Kind.NOT_SENT);
  }

  @Test
  void reportsEntriesThatCannotBePaired() {
    TraceScenario s = twoNodes();
    TraceScenario.Log fund = s.node(FUND);
    // A frame event without frame details, one without a counterparty, a message without an id.
    fund.append(fund.event(EventType.FRAME_SENT).counterparty(INSURER).detail("frame", 1).build());
    fund.append(fund.event(EventType.FRAME_SENT).frame(FORWARD, 30, 1, 1, new byte[32]).build());
    fund.append(
        fund.event(EventType.NEGOTIATION_SENT)
            .counterparty(INSURER)
            .detail("kind", "offer")
            .build());
    // Another node's name as actor; an entry of another trace.
    fund.append(
        fund.event(EventType.NEGOTIATION_SENT)
            .actor(INSURER)
            .counterparty(INSURER)
            .detail("message", "m-9")
            .build());
    fund.append(fund.event(EventType.COMPUTATION_FAILED).traceId("t-2").build());
    s.node(INSURER).message(EventType.NEGOTIATION_RECEIVED, FUND, "m-9", "");

    TraceReport report = s.analyze();

    assertThat(report.discrepancies())
        .extracting(Finding::kind)
        .containsExactly(
            Finding.Kind.MALFORMED_ENTRY,
            Finding.Kind.MALFORMED_ENTRY,
            Finding.Kind.MALFORMED_ENTRY,
            Finding.Kind.WRONG_ACTOR,
            Finding.Kind.WRONG_TRACE);
    assertThat(report.discrepancies().get(1).message()).contains("names no counterparty");
    assertThat(report.discrepancies().get(3).message())
        .contains("names " + INSURER + " as its actor");
    assertThat(report.discrepancies().get(4).message()).contains("belongs to trace 't-2'");
    // The entry with the wrong actor is still paired, as the node whose log holds it.
    assertThat(report.messagesPaired()).isEqualTo(4);
  }

  @Test
  void reportsDetailsANodeStoredThatAreNotJson() {
    TraceScenario s = twoNodes();
    AuditEvent raw =
        StoredEvents.stored(
            1_740_824_200_000_000L,
            EventType.FRAME_SENT,
            "t-1",
            FUND,
            INSURER,
            new byte[32],
            "{not json");
    s.node(FUND).entries.add(new AuditEntry(999, raw));

    TraceReport report = s.analyze();

    assertThat(report.discrepancies())
        .singleElement()
        .satisfies(f -> assertThat(f.message()).contains("entry 999", "not a JSON object"));
    assertThat(TraceRenderer.text(report)).contains("{not json");
    assertThat(TraceRenderer.json(report)).contains("\"details\": \"{not json\"");
    assertThat(TraceRenderer.html(report)).contains("{not json");
    assertThat(TraceRenderer.dot(report)).contains("1 discrepancy");
  }

  @Test
  void dependsOnlyOnTheEntriesNotOnTheOrderOfNodesOrEntries() {
    TraceScenario s = threeNodes();
    s.node(FUND).frame(EventType.FRAME_SENT, REGISTRY, "t-3/fund-in", 5, 100, 1000);
    List<NodeTrace> nodes = s.nodes();
    List<NodeTrace> shuffled = new ArrayList<>();
    List<NodeTrace> reversed = new ArrayList<>(nodes);
    Collections.reverse(reversed);
    for (NodeTrace node : reversed) {
      List<AuditEntry> entries = new ArrayList<>(node.entries());
      entries.sort(Comparator.comparingLong(AuditEntry::sequence).reversed());
      shuffled.add(NodeTrace.verified(node.participant(), entries));
    }

    String once = TraceRenderer.json(TraceAnalysis.analyze("t-3", nodes));
    String again = TraceRenderer.json(TraceAnalysis.analyze("t-3", shuffled));

    assertThat(again).isEqualTo(once);
  }

  @Test
  void countsAnEntryReturnedTwiceOnce() {
    TraceScenario s = twoNodes();
    List<AuditEntry> twice = new ArrayList<>(s.node(INSURER).entries);
    twice.addAll(s.node(INSURER).entries.subList(0, 10));

    TraceReport report =
        TraceAnalysis.analyze(
            "t-1", List.of(s.node(FUND).verified(), NodeTrace.verified(INSURER, twice)));

    assertThat(report.status()).isEqualTo(TraceStatus.VERIFIED);
    assertThat(report.timeline()).hasSize(88);
  }

  @Test
  void rejectsInputItCannotAnalyse() {
    TraceScenario s = twoNodes();
    assertThatThrownBy(() -> TraceAnalysis.analyze("t-1", List.of()))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    assertThatThrownBy(
            () ->
                TraceAnalysis.analyze(
                    "t-1", List.of(s.node(FUND).verified(), s.node(FUND).verified())))
        .isInstanceOf(SluiceException.class)
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> new NodeTrace(FUND, List.of(), true, "proof failed"))
        .isInstanceOf(SluiceException.class);
    assertThatThrownBy(() -> NodeTrace.verified("", List.of())).isInstanceOf(SluiceException.class);
    assertThat(new NodeTrace(FUND, List.of(), false, null).problem()).isEmpty();
  }
}
