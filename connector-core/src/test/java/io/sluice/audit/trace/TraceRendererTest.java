package io.sluice.audit.trace;

import static io.sluice.audit.trace.TraceScenario.FUND;
import static io.sluice.audit.trace.TraceScenario.INSURER;
import static io.sluice.audit.trace.TraceScenario.REGISTRY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.audit.EventType;
import io.sluice.error.SluiceException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

class TraceRendererTest {
  private static final String FORWARD = "t-1-session/fund-to-insurer";
  private static final String BACK = "t-1-session/insurer-to-fund";
  private static final String SCRIPT = "<script>alert(1)</script>";

  private static TraceScenario clean() {
    TraceScenario s = new TraceScenario("t-1", "agr-1");
    TraceScenario.Log fund = s.node(FUND);
    TraceScenario.Log insurer = s.node(INSURER);
    s.message(fund, insurer, "m-1", "request");
    s.message(insurer, fund, "m-2", "agreement");
    fund.local(EventType.AGREEMENT_SIGNED, b -> b.detail("policy", "psi-label-v1"));
    s.frames(fund, insurer, FORWARD, 4, 1000, 65_536);
    s.frames(insurer, fund, BACK, 4, 1000, 98_304);
    fund.local(EventType.RESULT_RELEASED, b -> b.detail("rows", 812));
    return s;
  }

  /** One frame never received, one received with another digest, a registry not queried. */
  private static TraceScenario withDiscrepancies() {
    TraceScenario s = clean();
    TraceScenario.Log fund = s.node(FUND);
    TraceScenario.Log insurer = s.node(INSURER);
    fund.frame(EventType.FRAME_SENT, INSURER, FORWARD, 4, 10, 100);
    byte[] other = TraceScenario.digest(BACK, 4);
    other[31] ^= 0x40;
    insurer.frame(EventType.FRAME_SENT, FUND, BACK, 4, 10, 100);
    fund.frame(EventType.FRAME_RECEIVED, INSURER, BACK, 4, 10, 100, other);
    fund.message(EventType.NEGOTIATION_SENT, REGISTRY, "m-3", "request");
    // A node can put markup in any string it logs.
    insurer.local(EventType.POLICY_DENIED, b -> b.detail("rule", SCRIPT));
    return s;
  }

  @Test
  void jsonHoldsTheWholeReportUnderStableNames() throws Exception {
    TraceReport report = withDiscrepancies().analyze();

    JsonNode json = new ObjectMapper().readTree(TraceRenderer.json(report));

    assertThat(json.get("format").asText()).isEqualTo("sluice.audit.trace/1");
    assertThat(json.get("traceId").asText()).isEqualTo("t-1");
    assertThat(json.get("status").asText()).isEqualTo("DISCREPANCIES");
    assertThat(json.get("agreements")).hasSize(1);
    assertThat(json.get("summary").get("framesPaired").asLong()).isEqualTo(8);
    assertThat(json.get("summary").get("discrepancies").asInt()).isEqualTo(2);
    assertThat(json.get("participants").get(2).get("id").asText()).isEqualTo(REGISTRY);
    assertThat(json.get("participants").get(2).get("queried").asBoolean()).isFalse();
    assertThat(json.get("timeline")).hasSize(report.timeline().size());
    JsonNode first = json.get("timeline").get(0);
    assertThat(first.get("type").asText()).isEqualTo("NEGOTIATION_SENT");
    assertThat(first.get("node").asText()).isEqualTo(FUND);
    assertThat(first.get("time").asText()).isEqualTo("2025-03-01T10:15:30Z");
    assertThat(first.get("details").get("message").asText()).isEqualTo("m-1");
    List<String> fields = new ArrayList<>();
    first.fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .containsExactly(
            "index",
            "node",
            "sequence",
            "time",
            "timeMicros",
            "type",
            "traceId",
            "sessionId",
            "actor",
            "counterparty",
            "agreementId",
            "digest",
            "details");

    JsonNode lost = json.get("discrepancies").get(0);
    assertThat(lost.get("kind").asText()).isEqualTo("NOT_RECEIVED");
    assertThat(lost.get("node").asText()).isEqualTo(FUND);
    assertThat(lost.get("counterparty").asText()).isEqualTo(INSURER);
    JsonNode transfer = json.get("transfers").get(lost.get("transfer").asInt());
    assertThat(transfer.get("kind").asText()).isEqualTo("FRAME");
    assertThat(transfer.get("stream").asText()).isEqualTo(FORWARD);
    assertThat(transfer.get("frame").asLong()).isEqualTo(4);
    assertThat(transfer.get("received").isNull()).isTrue();
    JsonNode sent = json.get("timeline").get(transfer.get("sent").asInt());
    assertThat(sent.get("digest").asText())
        .isEqualTo(HexFormat.of().formatHex(TraceScenario.digest(FORWARD, 4)));
    assertThat(json.get("discrepancies").get(1).get("kind").asText()).isEqualTo("DIGEST_MISMATCH");
    assertThat(json.get("notes").get(0).get("kind").asText()).isEqualTo("COUNTERPARTY_NOT_QUERIED");
    assertThat(json.get("flows").get(0).get("framesSent").asLong()).isEqualTo(5);
    assertThat(json.get("flows").get(0).get("framesReceived").asLong()).isEqualTo(4);
  }

  @Test
  void htmlIsOneWellFormedPageWithTheDiagramTheEntriesAndTheDiscrepancies() throws Exception {
    TraceReport report = withDiscrepancies().analyze();
    String html = TraceRenderer.html(report);

    Document page = parse(html);

    assertThat(nodes(page, "//table[@id='entries']/tbody/tr").getLength())
        .isEqualTo(report.timeline().size());
    assertThat(nodes(page, "//table[@id='entries']/tbody/tr[@class='bad']").getLength())
        .isEqualTo(3); // the lost frame and both sides of the other digest
    assertThat(nodes(page, "//svg").getLength()).isEqualTo(1);
    assertThat(nodes(page, "//svg//line").getLength()).isGreaterThan(5);
    assertThat(nodes(page, "//ol[contains(@class,'findings')]/li").getLength()).isEqualTo(3);
    assertThat(nodes(page, "//li[@id='d2']").getLength()).isEqualTo(1);
    assertThat(html)
        .contains("DISCREPANCIES FOUND")
        .contains("NOT_RECEIVED")
        .contains("DIGEST_MISMATCH");
    // The filters need the script: without it they stay hidden and the page is complete.
    assertThat(nodes(page, "//div[@id='filters' and @hidden]").getLength()).isEqualTo(1);
    assertThat(html).contains("[hidden]{display:none!important}");
  }

  @Test
  void htmlUsesNoExternalResources() throws Exception {
    String html = TraceRenderer.html(withDiscrepancies().analyze());

    Document page = parse(html);

    NodeList all = nodes(page, "//*[@src or @href or @action]");
    for (int i = 0; i < all.getLength(); i++) {
      Element element = (Element) all.item(i);
      for (String attribute : List.of("src", "href", "action")) {
        String value = element.getAttribute(attribute);
        assertThat(value.isEmpty() || value.startsWith("#"))
            .as("%s=%s on <%s>", attribute, value, element.getTagName())
            .isTrue();
      }
    }
    assertThat(html)
        .doesNotContainIgnoringCase("http")
        .doesNotContain("<link")
        .doesNotContain("@import");
    assertThat(html.replace("url(#", "")).doesNotContain("url(");
    assertThat(html.chars().allMatch(c -> c == '\n' || c >= 0x20 && c < 0x7f)).isTrue();
  }

  @Test
  void htmlEscapesEverythingANodeLogged() throws Exception {
    TraceScenario s = withDiscrepancies();
    String evil = "evil\"><img src=x onerror=alert(2)>";
    s.node(FUND).frame(EventType.FRAME_SENT, INSURER, evil, 0, 1, 1);
    s.node(FUND).message(EventType.NEGOTIATION_SENT, "sluice://x/'\"><b>&amp;", "<i>m</i>", SCRIPT);
    TraceReport report = s.analyze();

    String html = TraceRenderer.html(report);
    Document page = parse(html);

    assertThat(html).doesNotContain(SCRIPT).contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    assertThat(nodes(page, "//script").getLength()).isEqualTo(1); // the page's own filter code
    assertThat(nodes(page, "//img").getLength()).isZero();
    assertThat(nodes(page, "//b").getLength()).isZero();
    assertThat(nodes(page, "//*[@onerror]").getLength()).isZero();
    assertThat(page.getDocumentElement().getTextContent())
        .contains(SCRIPT)
        .contains(evil)
        .contains("sluice://x/'\"><b>&amp;");
  }

  @Test
  void htmlShowsControlAndBidiCharactersInsteadOfApplyingThem() throws Exception {
    TraceScenario s = clean();
    s.node(FUND).local(EventType.CONFIG_CHANGED, b -> b.detail("file", "evil\u202egpj.exe"));

    String html = TraceRenderer.html(s.analyze());

    assertThat(html).doesNotContain("\u202e").contains("evil\\u202egpj.exe");
    assertThat(TraceRenderer.text(s.analyze()))
        .contains("evil\\u202egpj.exe")
        .doesNotContain("\u202e");
  }

  @Test
  void htmlOfATraceWithoutDiscrepanciesSaysVerified() throws Exception {
    TraceReport report = clean().analyze();
    String html = TraceRenderer.html(report);

    Document page = parse(html);

    assertThat(html)
        .contains("VERIFIED")
        .doesNotContain("DISCREPANCIES FOUND")
        .contains("No discrepancies");
    assertThat(
            nodes(page, "//section[contains(@class,'status') and contains(@class,'ok')]")
                .getLength())
        .isEqualTo(1);
    assertThat(nodes(page, "//table[@id='entries']/tbody/tr[@class='bad']").getLength()).isZero();
  }

  @Test
  void htmlShowsANodeWhoseProofsDidNotVerify() throws Exception {
    TraceScenario s = clean();
    TraceReport report =
        TraceAnalysis.analyze(
            "t-1",
            List.of(
                s.node(FUND).verified(),
                NodeTrace.unverified(INSURER, s.node(INSURER).entries, "head 64 <bad signature>")));

    String html = TraceRenderer.html(report);
    parse(html);

    assertThat(html)
        .contains("DISCREPANCIES FOUND")
        .contains("proofs not verified")
        .contains("PROOFS_NOT_VERIFIED")
        .contains("head 64 &lt;bad signature&gt;");
  }

  @Test
  void rendersATraceWithoutEntries() throws Exception {
    TraceReport report =
        TraceAnalysis.analyze(
            "t-404",
            List.of(NodeTrace.unverified(FUND, List.of(), "unreachable: connection refused")));

    Document page = parse(TraceRenderer.html(report));

    assertThat(nodes(page, "//table[@id='entries']/tbody/tr").getLength()).isZero();
    assertThat(nodes(page, "//svg").getLength()).isEqualTo(1);
    assertThat(TraceRenderer.text(report))
        .contains("PROOFS NOT VERIFIED: unreachable: connection refused")
        .contains("Discrepancies (1)")
        .contains("NO_ENTRIES");
    assertThat(new ObjectMapper().readTree(TraceRenderer.json(report)).get("timeline")).isEmpty();
    assertThat(TraceRenderer.dot(report)).contains("PROOFS NOT VERIFIED").doesNotContain(" -> ");
  }

  @Test
  void dotHasOneEdgePerDirectionWithTotalsAndDiscrepanciesInRed() {
    String dot = TraceRenderer.dot(withDiscrepancies().analyze());

    assertThat(dot).startsWith("digraph \"sluice-audit-trace\" {\n").endsWith("}\n");
    assertThat(dot)
        .contains(
            "  \""
                + FUND
                + "\" -> \""
                + INSURER
                + "\" [label=\"5 frames sent / 4 received (4 paired)\\n4,010 rows sent / 4,000"
                + " received\\n262,244 bytes sent / 262,144 received\\n1 message (1 paired)\\n1"
                + " discrepancy\", color=\"#c62828\", fontcolor=\"#c62828\", penwidth=2];\n")
        .contains(
            "  \""
                + INSURER
                + "\" -> \""
                + FUND
                + "\" [label=\"5 frames (4 paired)\\n4,010 rows\\n393,316 bytes\\n1 message (1 paired)\\n1"
                + " discrepancy\", color=\"#c62828\", fontcolor=\"#c62828\", penwidth=2];\n")
        .contains("  \"" + FUND + "\" -> \"" + REGISTRY + "\" [label=\"1 message sent\"];\n")
        .contains("\"" + REGISTRY + "\" [label=\"registry\\n" + REGISTRY + "\\nnot queried\"");
    assertThat(dot.lines().filter(l -> l.contains(" -> "))).hasSize(3);
  }

  @Test
  void dotQuotesIdentifiers() {
    TraceScenario s = clean();
    s.node(FUND).message(EventType.NEGOTIATION_SENT, "sluice://x/a\"b\\c", "m-9", "request");

    String dot = TraceRenderer.dot(s.analyze());

    assertThat(dot).contains(" -> \"sluice://x/a\\\"b\\\\c\" [label=");
  }

  @Test
  void textShowsTimelineSummaryAndDiscrepancies() {
    TraceReport clean = clean().analyze();
    String text = TraceRenderer.text(clean);

    assertThat(text)
        .startsWith(
            "Audit trace t-1\nStatus        VERIFIED (8 frames paired, 2 negotiation messages paired)\n");
    assertThat(text)
        .contains("Participants  fund     " + FUND + "     ")
        .contains("\nNo discrepancies.\n");
    assertThat(text.lines().filter(l -> l.matches("\\s+\\d+\\s+2025-03-01 .*")))
        .hasSize(clean.timeline().size());
    assertThat(text).contains("FRAME_SENT").contains("-> insurer").contains("= #");

    String bad = TraceRenderer.text(withDiscrepancies().analyze());
    assertThat(bad)
        .contains("Status        DISCREPANCIES FOUND")
        .contains("Discrepancies (2)\n  D1  NOT_RECEIVED  fund / insurer")
        .contains("\nNotes (1)\n  N1  COUNTERPARTY_NOT_QUERIED  fund / registry")
        .contains("! D1")
        .doesNotContain("No discrepancies");
  }

  @Test
  void everyFormatIsByteIdenticalForTheSameInput() {
    for (TraceRenderer.Format format : TraceRenderer.Format.values()) {
      String once = TraceRenderer.render(withDiscrepancies().analyze(), format);
      String again = TraceRenderer.render(withDiscrepancies().analyze(), format);
      assertThat(again).as(format.name()).isEqualTo(once);
    }
  }

  @Test
  void parsesFormatNames() {
    assertThat(TraceRenderer.Format.parse("html")).isEqualTo(TraceRenderer.Format.HTML);
    assertThat(TraceRenderer.Format.parse("JSON")).isEqualTo(TraceRenderer.Format.JSON);
    assertThat(TraceRenderer.Format.TEXT.extension()).isEqualTo("txt");
    assertThatThrownBy(() -> TraceRenderer.Format.parse("pdf")).isInstanceOf(SluiceException.class);
  }

  private static Document parse(String html) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    factory.setExpandEntityReferences(false);
    return factory.newDocumentBuilder().parse(new InputSource(new StringReader(html)));
  }

  private static NodeList nodes(Document page, String xpath) throws Exception {
    return (NodeList)
        XPathFactory.newInstance().newXPath().evaluate(xpath, page, XPathConstants.NODESET);
  }
}
