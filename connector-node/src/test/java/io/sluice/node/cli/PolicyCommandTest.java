package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.node.RepoFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCommandTest {
  static final Path POLICIES = repoRoot().resolve("deploy/policies");
  static final Path CLAIMS = POLICIES.resolve("claims-matching-offer.json");

  @TempDir Path tmp;

  record Run(int exit, String out, String err) {}

  static Run sluice(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        SluiceCli.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  static Path repoRoot() {
    return RepoFiles.root();
  }

  Path write(String name, String content) throws IOException {
    return Files.writeString(tmp.resolve(name), content);
  }

  @Test
  void validateAcceptsEveryShippedExample() {
    for (String name :
        new String[] {
          "claims-matching-offer.json", "auto-aggregation-offer.json", "cleanroom-offer.json"
        }) {
      Run run = sluice("policy", "validate", POLICIES.resolve(name).toString());
      assertThat(run.exit()).as(run.toString()).isZero();
      assertThat(run.out()).contains("valid Offer urn:sluice:offer:").contains("sha256 ");
    }
  }

  @Test
  void validatePrintsOneLinePerProblemWithFileAndPointer() throws IOException {
    Path bad =
        write(
            "bad.json",
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"constraint\":["
                + "{\"leftOperand\":\"colour\",\"operator\":\"eq\",\"rightOperand\":\"red\"},"
                + "{\"leftOperand\":\"elapsedTime\",\"operator\":\"lteq\",\"rightOperand\":\"P1X\"}]}]}");

    Run run = sluice("policy", "validate", bad.toString());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.out().lines())
        .containsExactly(
            bad
                + ": /permission/0/constraint/0/leftOperand: unknown left operand 'colour';"
                + " Sluice evaluates purpose, dateTime, elapsedTime, count, spatial,"
                + " sluice:computation, sluice:inputRows, sluice:minResultGroupSize,"
                + " sluice:outputColumns, sluice:keyColumns, sluice:minParties, sluice:epsilon,"
                + " sluice:retention and sluice:participant.<claim>",
            bad
                + ": /permission/0/constraint/1/rightOperand: malformed duration 'P1X': write an"
                + " ISO 8601 duration such as P30D, PT12H or P1Y2M");
  }

  @Test
  void validateWithJsonListsProblems() throws IOException {
    Path bad = write("bad.json", "{\"@type\":\"Set\"}");

    Run run = sluice("policy", "validate", "--json", bad.toString());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.out()).contains("\"valid\" : false").contains("at least one permission");
  }

  @Test
  void validateOfAMissingFileIsInvalidInput() {
    Run run = sluice("policy", "validate", tmp.resolve("missing.json").toString());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("cannot read");
  }

  @Test
  void evalPermitsTheShippedPermittedRequestsWithTheirDuties() {
    for (String name : new String[] {"claims-matching", "auto-aggregation", "cleanroom"}) {
      Run run =
          sluice(
              "policy",
              "eval",
              "--policy",
              POLICIES.resolve(name + "-offer.json").toString(),
              "--request",
              POLICIES.resolve("requests/" + name + "-permitted.json").toString());
      assertThat(run.exit()).as(run.toString()).isZero();
      assertThat(run.out()).startsWith("PERMIT").contains("  duty: ");
    }
  }

  @Test
  void evalDeniesTheShippedDeniedRequestsWithReasons() {
    Run run =
        sluice(
            "policy",
            "eval",
            "--policy",
            CLAIMS.toString(),
            "--request",
            POLICIES.resolve("requests/claims-matching-denied.json").toString());

    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.out().lines())
        .startsWith("DENY")
        .contains(
            "  /permission/0/constraint/1: purpose is marketing; required: purpose eq"
                + " claims-settlement [urn:sluice:offer:claims-matching-2026:match]",
            "  /permission/0/constraint/6: count is use #31; required: count lteq 30"
                + " [urn:sluice:offer:claims-matching-2026:match]");
  }

  @Test
  void evalWithJsonGivesExpectedAndActual() {
    Run run =
        sluice(
            "policy",
            "eval",
            "--json",
            "--policy",
            POLICIES.resolve("auto-aggregation-offer.json").toString(),
            "--request",
            POLICIES.resolve("requests/auto-aggregation-denied.json").toString());

    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.out())
        .contains("\"decision\" : \"DENY\"")
        .contains("\"expected\" : \"sluice:minResultGroupSize gteq 5\"")
        .contains("\"actual\" : \"2\"");
  }

  @Test
  void evalUsesNowWhenTheRequestGivesNoTime() throws IOException {
    Path expired =
        write(
            "expired.json",
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"constraint\":["
                + "{\"leftOperand\":\"dateTime\",\"operator\":\"lt\",\"rightOperand\":\"2000-01-01T00:00:00Z\"}]}]}");
    Path request = write("request.json", "{\"action\":\"use\"}");

    Run run =
        sluice("policy", "eval", "--policy", expired.toString(), "--request", request.toString());

    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.out()).contains("dateTime is 20");
  }

  @Test
  void evalReportsAMalformedRequest() throws IOException {
    Path request = write("request.json", "{\"useCount\":\"many\",\"colour\":1}");

    Run run =
        sluice("policy", "eval", "--policy", CLAIMS.toString(), "--request", request.toString());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err())
        .contains("/colour: unknown property")
        .contains("/useCount: expected an integer");
  }

  @Test
  void containsAcceptsAStricterRequestAndRefusesAWiderOne() throws IOException {
    String offer = Files.readString(CLAIMS);
    Path stricter =
        write("stricter.json", offer.replace("\"rightOperand\": 30 }", "\"rightOperand\": 10 }"));
    Path wider =
        write("wider.json", offer.replace("\"rightOperand\": 30 }", "\"rightOperand\": 90 }"));

    Run yes =
        sluice(
            "policy", "contains", "--offer", CLAIMS.toString(), "--request", stricter.toString());
    Run no =
        sluice("policy", "contains", "--offer", CLAIMS.toString(), "--request", wider.toString());

    assertThat(yes.exit()).as(yes.toString()).isZero();
    assertThat(yes.out()).isEqualTo("CONTAINED" + System.lineSeparator());
    assertThat(no.exit()).isEqualTo(3);
    assertThat(no.out().lines())
        .containsExactly(
            "NOT CONTAINED",
            "  "
                + CLAIMS
                + ": /permission/0/constraint/6: the offer requires count lteq 30; the"
                + " request allows more with count lteq 90");
    Run json =
        sluice(
            "policy",
            "contains",
            "--json",
            "--offer",
            CLAIMS.toString(),
            "--request",
            wider.toString());
    assertThat(json.out())
        .contains("\"contained\" : false")
        .contains("\"pointer\" : \"/permission/0/constraint/6\"");
  }

  @Test
  void narrowPrintsTheAgreementOrWhyNot() throws IOException {
    Path acceptable =
        write(
            "acceptable.json",
            "{\"@type\":\"Set\",\"assignee\":\"sluice://health/insurer-a\",\"permission\":[{\"action\":\"use\","
                + "\"constraint\":[{\"leftOperand\":\"count\",\"operator\":\"lteq\",\"rightOperand\":5}],"
                + "\"duty\":[{\"action\":\"delete\"},{\"action\":\"inform\"}]}]}");
    Path refusing =
        write(
            "refusing.json",
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\","
                + "\"constraint\":[{\"leftOperand\":\"purpose\",\"operator\":\"eq\",\"rightOperand\":\"marketing\"}],"
                + "\"duty\":[{\"action\":\"delete\"}]}]}");

    Run yes =
        sluice(
            "policy",
            "narrow",
            "--offer",
            CLAIMS.toString(),
            "--acceptable",
            acceptable.toString());
    Run no =
        sluice(
            "policy", "narrow", "--offer", CLAIMS.toString(), "--acceptable", refusing.toString());

    assertThat(yes.exit()).as(yes.toString()).isZero();
    assertThat(yes.out()).contains("\"@type\" : \"Agreement\"").contains("\"rightOperand\" : 5");
    assertThat(no.exit()).isEqualTo(3);
    assertThat(no.out()).startsWith("NO AGREEMENT").contains("purpose eq marketing");
  }

  @Test
  void shippedRequestExamplesExistForEveryOffer() {
    for (String name : new String[] {"claims-matching", "auto-aggregation", "cleanroom"}) {
      assertThat(POLICIES.resolve("requests/" + name + "-permitted.json")).exists();
      assertThat(POLICIES.resolve("requests/" + name + "-denied.json")).exists();
    }
  }
}
