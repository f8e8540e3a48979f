package io.sluice.node.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.EventType;
import io.sluice.audit.trace.TraceRenderer;
import io.sluice.audit.trace.TraceReport;
import io.sluice.audit.trace.TraceStatus;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.node.audit.TraceCollector;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.proto.v1.AuditServiceGrpc;
import io.sluice.proto.v1.CatalogRequest;
import io.sluice.proto.v1.CatalogResponse;
import io.sluice.proto.v1.CatalogServiceGrpc;
import io.sluice.proto.v1.ComputeControlServiceGrpc;
import io.sluice.proto.v1.ContractDetails;
import io.sluice.proto.v1.ContractServiceGrpc;
import io.sluice.proto.v1.EntriesRequest;
import io.sluice.proto.v1.KeyColumn;
import io.sluice.proto.v1.PsiSummary;
import io.sluice.proto.v1.RequestContractRequest;
import io.sluice.proto.v1.RunPsiRequest;
import io.sluice.proto.v1.RunRequest;
import io.sluice.proto.v1.RunUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice demo claims}: a public medical insurance fund and two commercial insurers, each a
 * node process. The fund publishes its claims-matching offer; insurer A agrees within it and runs
 * labelled PSI to learn, for its matched claims only, what the fund already paid; insurer B asks
 * for a column the offer does not allow and is refused; the audit trail of the computation is
 * verified across both nodes and drawn.
 */
public final class ClaimsDemo {
  static final String SPACE = "health";
  static final ObjectMapper JSON = new ObjectMapper();

  static final List<DemoParticipant> PARTICIPANTS =
      List.of(
          new DemoParticipant(
              "fund",
              "National Health Insurance Fund",
              List.of("medical-insurance-fund"),
              Map.of("industry", "insurance", "country", "DE")),
          new DemoParticipant(
              "insurer-a",
              "Aurelia Care Assurance",
              List.of("commercial-insurer"),
              Map.of("industry", "insurance", "country", "DE")),
          new DemoParticipant(
              "insurer-b",
              "Baltic Mutual Insurance",
              List.of("commercial-insurer"),
              Map.of("industry", "insurance", "country", "PL")));

  /** What the demo found, for its test. */
  public record Result(
      DemoSpace space,
      String agreementId,
      String refusal,
      PsiSummary psi,
      int expectedMatches,
      int wrongLabels,
      long fundSawReceiverKeys,
      Path traceHtml,
      boolean traceVerified) {}

  private final PrintWriter out;

  public ClaimsDemo(PrintWriter out) {
    this.out = out;
  }

  public Result run(Path dir, int fundRows) throws IOException {
    if (fundRows < 100) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "--rows must be at least 100");
    }
    int claimRows = Math.max(50, fundRows / 10);
    say("1. A data space for health claims. Its authority issues certificates to:");
    DemoSpace space = DemoSpace.create(dir, SPACE, PARTICIPANTS);
    for (DemoParticipant p : PARTICIPANTS) {
      say("   " + pad(p.id(), 10) + p.organization() + "  " + p.roles());
    }

    say("2. Synthetic data: the fund's settled hospital visits and each insurer's claims.");
    Path fundData = dir.resolve("fund/settlements.csv");
    DemoData fund = DemoData.fund(fundData, fundRows, 2026);
    Path claimsA = dir.resolve("insurer-a/claims.csv");
    Path claimsB = dir.resolve("insurer-b/claims.csv");
    int overlapA = fund.insurer(claimsA, "A", claimRows, 0.6, 11);
    fund.insurer(claimsB, "B", claimRows, 0.6, 12);
    say(
        String.format(
            Locale.ROOT,
            "   fund: %,d settlements; insurer A: %,d claims (%,d of them visits the fund settled)",
            fund.size(),
            claimRows,
            overlapA));

    say(
        "3. The fund publishes its claims-matching offer: commercial insurers, for claims settlement,");
    say(
        "   labelled PSI revealing settled_amount and settlement_date only, at most 30 uses, delete after 30 days.");
    space.publish("fund", "settlements", fundData, "claims-matching", offer());

    say("4. The three nodes start, each in its own process, talking mTLS on loopback.");
    try (NodeFleet fleet = NodeFleet.start(space, List.of("-Xmx512m"));
        NodeSession insurerA = new NodeSession(space, "insurer-a");
        NodeSession insurerB = new NodeSession(space, "insurer-b");
        NodeSession fundNode = new NodeSession(space, "fund")) {
      CatalogResponse catalog;
      try (NodeSession asA = new NodeSession(space, "insurer-a", "fund")) {
        catalog =
            asA.call(
                c ->
                    CatalogServiceGrpc.newBlockingStub(c)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .list(CatalogRequest.getDefaultInstance()));
      }
      for (var d : catalog.getDatasetsList()) {
        say(
            String.format(
                Locale.ROOT,
                "   insurer A reads the fund's catalog: %s, %,d rows, %d columns, offers %s",
                d.getDatasetId(),
                d.getRowCount(),
                d.getColumnsCount(),
                d.getOffersList().stream().map(o -> o.getOfferId()).toList()));
      }
      say("5. Insurer A negotiates the offer as published.");
      ContractDetails a =
          insurerA.call(
              c ->
                  ContractServiceGrpc.newBlockingStub(c)
                      .withDeadlineAfter(60, TimeUnit.SECONDS)
                      .request(
                          RequestContractRequest.newBuilder()
                              .setProvider("fund")
                              .setDatasetId("settlements")
                              .setPurpose("claims-settlement")
                              .build()));
      if (!a.getNegotiation().getState().equals("FINALIZED")) {
        throw new SluiceException(
            ErrorCode.INTERNAL,
            "insurer A got no agreement: " + a.getNegotiation().getReasonsList());
      }
      String agreementId = a.getNegotiation().getAgreementId();
      say(
          "   agreement "
              + agreementId
              + " FINALIZED, signed by the fund and countersigned by insurer A");

      say(
          "6. Insurer B asks for diagnosis_group too, which the offer does not allow, and accepts nothing less.");
      String widened = wider(offer());
      ContractDetails b =
          insurerB.call(
              c ->
                  ContractServiceGrpc.newBlockingStub(c)
                      .withDeadlineAfter(60, TimeUnit.SECONDS)
                      .request(
                          RequestContractRequest.newBuilder()
                              .setProvider("fund")
                              .setDatasetId("settlements")
                              .setOfferId("claims-matching")
                              .setPolicyJson(widened)
                              .setPurpose("claims-settlement")
                              .build()));
      String refusal = String.join("; ", b.getNegotiation().getReasonsList());
      say(
          "   "
              + b.getNegotiation().getState()
              + ": "
              + firstReasons(b.getNegotiation().getReasonsList()));

      say("7. Insurer A runs labelled PSI on its claims (keys: national_id, visit_date).");
      Path matched = dir.resolve("insurer-a/matched-claims.csv");
      PsiSummary psi = runPsi(insurerA, agreementId, claimsA, matched);
      say(
          String.format(
              Locale.ROOT,
              "   %s: %,d of %,d claims matched (%,d without an id skipped), in %.1f s; result in %s",
              psi.getOutcome(),
              psi.getMatchedRows(),
              psi.getInputRows(),
              psi.getSkippedRows(),
              psi.getElapsedMs() / 1000.0,
              matched));
      int wrong = showResiduals(matched, fund);

      long seen = fundSawReceiverKeys(fundNode, psi.getTraceId());
      say(
          String.format(
              Locale.ROOT,
              "8. What the fund learned: that insurer A queried %,d distinct keys. Not which people,"
                  + " not which visits, not how often.",
              seen));

      say(
          "9. The audit trail: both nodes' signed logs are fetched with inclusion proofs and every frame paired.");
      Path html = dir.resolve("trace-" + psi.getTraceId() + ".html");
      Map<String, PeerChannels.Address> addresses = new LinkedHashMap<>();
      space
          .nodes()
          .forEach(
              (id, node) -> addresses.put(id, new PeerChannels.Address("127.0.0.1", node.port())));
      TraceReport report =
          new TraceCollector(
                  space.node("insurer-a").credentials(), space.trust(), addresses, 60_000)
              .collect(psi.getTraceId(), List.of("insurer-a", "fund"));
      Files.writeString(html, TraceRenderer.html(report), StandardCharsets.UTF_8);
      boolean clean = report.status() == TraceStatus.VERIFIED;
      say(
          String.format(
              Locale.ROOT,
              "   %s: %d frames and %d negotiation messages paired across both nodes, %d discrepancies",
              report.status(),
              report.framesPaired(),
              report.messagesPaired(),
              report.discrepancies().size()));
      say("   open the trace in a browser: " + html.toAbsolutePath());

      say("10. Stopping the nodes.");
      fleet
          .stop()
          .forEach(
              (id, code) -> {
                if (code != 0) {
                  throw new SluiceException(ErrorCode.INTERNAL, id + " did not stop cleanly");
                }
              });
      return new Result(space, agreementId, refusal, psi, overlapA, wrong, seen, html, clean);
    }
  }

  private PsiSummary runPsi(NodeSession insurer, String agreementId, Path claims, Path output) {
    return insurer.call(
        c -> {
          Iterator<RunUpdate> updates =
              ComputeControlServiceGrpc.newBlockingStub(c)
                  .withDeadlineAfter(1, TimeUnit.HOURS)
                  .run(
                      RunRequest.newBuilder()
                          .setPsi(
                              RunPsiRequest.newBuilder()
                                  .setAgreementId(agreementId)
                                  .setInputPath(claims.toAbsolutePath().toString())
                                  .addKeys(
                                      KeyColumn.newBuilder()
                                          .setName("national_id")
                                          .setCaseRule("upper"))
                                  .addKeys(KeyColumn.newBuilder().setName("visit_date"))
                                  .setMode("psi-label")
                                  .setOutputPath(output.toAbsolutePath().toString()))
                          .build());
          PsiSummary summary = null;
          while (updates.hasNext()) {
            RunUpdate u = updates.next();
            if (u.hasSummary()) {
              summary = u.getSummary().getPsi();
            }
          }
          if (summary == null) {
            throw new SluiceException(
                ErrorCode.INTERNAL, "the computation ended without a summary");
          }
          return summary;
        });
  }

  /** Prints the first matched claims with what the insurer still owes; returns wrong labels. */
  private int showResiduals(Path matched, DemoData fund) throws IOException {
    List<String> lines = Files.readAllLines(matched, StandardCharsets.UTF_8);
    List<String> header = List.of(lines.get(0).split(","));
    int claim = header.indexOf("claim_id");
    int id = header.indexOf("national_id");
    int visit = header.indexOf("visit_date");
    int claimed = header.indexOf("claimed_amount");
    int paid = header.indexOf("settled_amount");
    int wrong = 0;
    BigDecimal totalClaimed = BigDecimal.ZERO;
    BigDecimal totalPaid = BigDecimal.ZERO;
    say(
        "   "
            + pad("claim", 16)
            + pad("visit", 12)
            + pad("claimed", 12)
            + pad("fund paid", 12)
            + "insurer owes");
    int shown = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      BigDecimal c = new BigDecimal(f[claimed]);
      BigDecimal p = new BigDecimal(f[paid]);
      DemoData.Settlement truth = fund.settlement(f[id], LocalDate.parse(f[visit]));
      if (truth == null || truth.fundPaid().compareTo(p) != 0) {
        wrong++;
      }
      totalClaimed = totalClaimed.add(c);
      totalPaid = totalPaid.add(p);
      if (shown++ < 8) {
        say(
            "   "
                + pad(f[claim], 16)
                + pad(f[visit], 12)
                + pad(money(c), 12)
                + pad(money(p), 12)
                + money(c.subtract(p)));
      }
    }
    say(
        String.format(
            Locale.ROOT,
            "   ... %,d matched claims: %s claimed, %s already paid by the fund, %s left for insurer A%s",
            lines.size() - 1,
            money(totalClaimed),
            money(totalPaid),
            money(totalClaimed.subtract(totalPaid)),
            wrong == 0
                ? " (every amount checked against the fund's data)"
                : " (" + wrong + " AMOUNTS DO NOT MATCH)"));
    return wrong;
  }

  /** The receiver row count the fund's own audit log recorded for the computation. */
  private static long fundSawReceiverKeys(NodeSession fund, String traceId) {
    var response =
        fund.call(
            c ->
                AuditServiceGrpc.newBlockingStub(c)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .entries(EntriesRequest.newBuilder().setTraceId(traceId).build()));
    for (var leaf : response.getEntriesList()) {
      AuditEntry e = AuditEntry.decode(leaf.getLeaf().toByteArray());
      if (e.event().type() == EventType.COMPUTATION_REQUESTED) {
        return e.event().details().path("receiverKeys").asLong();
      }
    }
    return -1;
  }

  static String offer() throws IOException {
    try (InputStream in =
        ClaimsDemo.class.getResourceAsStream(
            "/io/sluice/policy/examples/claims-matching-offer.json")) {
      ObjectNode root = (ObjectNode) JSON.readTree(in);
      root.put("assigner", "sluice://" + SPACE + "/fund");
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }
  }

  /** The offer with diagnosis_group added to the output columns. */
  static String wider(String offer) throws IOException {
    ObjectNode root = (ObjectNode) JSON.readTree(offer);
    for (var c : root.get("permission").get(0).get("constraint")) {
      if (c.get("leftOperand").asText().equals("sluice:outputColumns")) {
        ((ArrayNode) c.get("rightOperand")).add("diagnosis_group");
      }
    }
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  private static String firstReasons(List<String> reasons) {
    List<String> shown = new ArrayList<>();
    for (String r : reasons) {
      if (shown.size() < 3) {
        shown.add(r);
      }
    }
    return String.join(" / ", shown);
  }

  private static String money(BigDecimal amount) {
    return String.format(Locale.ROOT, "%,.2f", amount.setScale(2, java.math.RoundingMode.HALF_UP));
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
  }

  private void say(String line) {
    out.println(line);
    out.flush();
  }
}
