package io.sluice.policy.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.policy.KeyColumns;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.RepoFiles;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompiledPolicyTest {
  static final Clock NOW = Clock.fixed(Instant.parse("2026-06-01T12:00:00Z"), ZoneOffset.UTC);

  static CompiledPolicy compile(String json) {
    return CompiledPolicy.compile(PolicyCodec.parse(json));
  }

  static Request.Builder request() {
    return Request.builder().clock(NOW);
  }

  static final String CLAIMS = RepoFiles.example("claims-matching-offer.json");
  static final String CLAIMS_KEY = "national_id:upper,visit_date";

  static Request.Builder claimsRequest() {
    return request()
        .target("urn:sluice:dataset:settled-claims-2025")
        .claim("participant", "sluice://health/insurer-a")
        .claim("role", "commercial-insurer")
        .purpose("claims-settlement")
        .useCount(3)
        .computation(
            Computation.of("psi-label")
                .withInputRows(500_000)
                .withOutputColumns("settled_amount")
                .withKeyColumns(CLAIMS_KEY));
  }

  @Test
  void permitsTheClaimsMatchingRequestWithItsDeleteAndInformDuties() {
    Decision d = compile(CLAIMS).evaluate(claimsRequest().build());

    assertThat(d.permitted()).isTrue();
    assertThat(d.grantedBy()).containsExactly("urn:sluice:offer:claims-matching-2026:match");
    assertThat(d.duties()).hasSize(2);
    assertThat(d.duties().get(1).action()).isEqualTo("inform");
    assertThat(d.duties().get(0).action()).isEqualTo("delete");
    assertThat(d.duties().get(0).retention()).contains("P30D");
    assertThat(d.duties().get(0).pointer()).isEqualTo("/permission/0/duty/0");
  }

  @Test
  void deniesWithEveryFailingConstraintExpectedAndActual() {
    Request r =
        claimsRequest()
            .purpose("marketing")
            .useCount(30)
            .computation(Computation.of("psi").withInputRows(2_000_000).withKeyColumns(CLAIMS_KEY))
            .build();

    Decision d = compile(CLAIMS).evaluate(r);

    assertThat(d.permitted()).isFalse();
    assertThat(d.duties()).isEmpty();
    assertThat(d.failures())
        .extracting(Failure::pointer)
        .containsExactly(
            "/permission/0/constraint/1",
            "/permission/0/constraint/2",
            "/permission/0/constraint/4",
            "/permission/0/constraint/6");
    Failure purpose = d.failures().get(0);
    assertThat(purpose.ruleUid()).isEqualTo("urn:sluice:offer:claims-matching-2026:match");
    assertThat(purpose.expected()).isEqualTo("purpose eq claims-settlement");
    assertThat(purpose.actual()).isEqualTo("marketing");
    assertThat(d.failures().get(3).actual()).isEqualTo("use #31");
  }

  @Test
  void permitsOnlyTheAgreedKeyHoweverItIsWritten() {
    CompiledPolicy p = compile(CLAIMS);
    Computation base =
        Computation.of("psi-label").withInputRows(10).withOutputColumns("settled_amount");

    assertThat(
            p.evaluate(
                    claimsRequest()
                        .computation(base.withKeyColumns("national_id:UPPER, visit_date:preserve"))
                        .build())
                .permitted())
        .isTrue();
    for (String other :
        List.of(
            "visit_date",
            "national_id:upper",
            "visit_date,national_id:upper",
            "national_id,visit_date",
            "national_id:upper,visit_date,diagnosis_group")) {
      Decision d = p.evaluate(claimsRequest().computation(base.withKeyColumns(other)).build());
      assertThat(d.permitted()).as(other).isFalse();
      assertThat(d.failures())
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.pointer()).isEqualTo("/permission/0/constraint/7");
                assertThat(f.expected())
                    .isEqualTo("sluice:keyColumns eq national_id:upper,visit_date");
                assertThat(f.actual()).isEqualTo(KeyColumns.canonical(other));
              });
    }
  }

  @Test
  void aComputationWithoutAKeyDoesNotGetAPermissionThatNamesOne() {
    Computation noKey =
        Computation.of("psi-label").withInputRows(10).withOutputColumns("settled_amount");

    Decision d = compile(CLAIMS).evaluate(claimsRequest().computation(noKey).build());

    assertThat(d.permitted()).isFalse();
    assertThat(d.failures())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.actual()).isEqualTo("(not given)");
              assertThat(f.message())
                  .isEqualTo(
                      "the request does not give sluice:keyColumns; required: sluice:keyColumns"
                          + " eq national_id:upper,visit_date");
            });
  }

  @Test
  void aProhibitedKeyIsProhibitedAndAMissingKeyCountsAsProhibited() {
    CompiledPolicy p =
        compile(
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\"}],\"prohibition\":[{"
                + "\"action\":\"use\",\"constraint\":[{\"leftOperand\":\"sluice:keyColumns\","
                + "\"operator\":\"isAnyOf\",\"rightOperand\":[\"visit_date\",\"claim_ref:lower\"]}]}]}");
    Computation psi = Computation.of("psi");

    assertThat(
            p.evaluate(request().computation(psi.withKeyColumns("claim_ref:LOWER")).build())
                .permitted())
        .isFalse();
    assertThat(p.evaluate(request().computation(psi).build()).permitted()).isFalse();
    assertThat(
            p.evaluate(request().computation(psi.withKeyColumns("claim_ref")).build()).permitted())
        .isTrue();
  }

  @Test
  void anInvalidKeyIsRefusedWhenTheComputationIsDescribed() {
    assertThatThrownBy(() -> Computation.of("psi").withKeyColumns("national_id:title"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid key columns 'national_id:title': unknown case rule 'title' in"
                + " sluice:keyColumns; use preserve, lower or upper");
  }

  @Test
  void deniesARequestForAnotherTarget() {
    Decision d = compile(CLAIMS).evaluate(claimsRequest().target("urn:other").build());

    assertThat(d.permitted()).isFalse();
    assertThat(d.failures()).extracting(Failure::pointer).containsExactly("/permission/0/target");
  }

  @Test
  void deniesAnActionNoPermissionCovers() {
    Decision d = compile(CLAIMS).evaluate(claimsRequest().action("transfer").build());

    assertThat(d.permitted()).isFalse();
    assertThat(d.failures().get(0).message()).contains("transfer");
  }

  @Test
  void useCoversComputeAndReadButNotTransfer() {
    CompiledPolicy p = compile("{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\"}]}");

    assertThat(p.evaluate(request().action("sluice:compute").build()).permitted()).isTrue();
    assertThat(p.evaluate(request().action("odrl:read").build()).permitted()).isTrue();
    assertThat(p.evaluate(request().action("sell").build()).permitted()).isFalse();
  }

  static final String PROHIBITED_MARKETING =
      "{\"@type\":\"Set\",%s\"permission\":[{\"action\":\"use\"}],"
          + "\"prohibition\":[{\"uid\":\"no-marketing\",\"action\":\"use\",\"constraint\":"
          + "[{\"leftOperand\":\"purpose\",\"operator\":\"eq\",\"rightOperand\":\"marketing\"}]}]}";

  @Test
  void prohibitionOverridesPermission() {
    CompiledPolicy p = compile(PROHIBITED_MARKETING.formatted(""));

    Decision marketing = p.evaluate(request().purpose("marketing").build());
    assertThat(marketing.permitted()).isFalse();
    assertThat(marketing.failures().get(0).ruleUid()).isEqualTo("no-marketing");
    assertThat(marketing.failures().get(0).message())
        .contains("purpose eq marketing (request: marketing)");
    assertThat(p.evaluate(request().purpose("research").build()).permitted()).isTrue();
  }

  @Test
  void prohibitionAppliesWhenTheRequestDoesNotSayWhatItConstrains() {
    CompiledPolicy p = compile(PROHIBITED_MARKETING.formatted(""));

    assertThat(p.evaluate(request().build()).permitted()).isFalse();
  }

  @Test
  void conflictPermLetsThePermissionWin() {
    CompiledPolicy p = compile(PROHIBITED_MARKETING.formatted("\"conflict\":\"perm\","));

    assertThat(p.evaluate(request().purpose("marketing").build()).permitted()).isTrue();
  }

  @Test
  void conflictInvalidDeniesWhenBothApply() {
    CompiledPolicy p = compile(PROHIBITED_MARKETING.formatted("\"conflict\":\"invalid\","));

    Decision d = p.evaluate(request().purpose("marketing").build());
    assertThat(d.permitted()).isFalse();
    assertThat(d.failures().get(0).message()).contains("conflict strategy is invalid");
    assertThat(p.evaluate(request().purpose("research").build()).permitted()).isTrue();
  }

  @Test
  void assigneeMustBeTheCallersParticipantId() {
    CompiledPolicy p =
        compile(
            "{\"@type\":\"Set\",\"assignee\":\"sluice://a\",\"permission\":[{\"action\":\"use\"}]}");

    assertThat(p.evaluate(request().claim("participant", "sluice://a").build()).permitted())
        .isTrue();
    Decision other = p.evaluate(request().claim("participant", "sluice://b").build());
    assertThat(other.permitted()).isFalse();
    assertThat(other.failures().get(0).pointer()).isEqualTo("/assignee");
  }

  @Test
  void partyCollectionRefinementConstrainsTheCaller() {
    CompiledPolicy p =
        compile(
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"assignee\":"
                + "{\"@type\":\"PartyCollection\",\"source\":\"urn:insurers\",\"refinement\":"
                + "[{\"leftOperand\":\"sluice:participant.industry\",\"operator\":\"eq\","
                + "\"rightOperand\":\"insurance\"}]}}]}");

    assertThat(p.evaluate(request().claim("industry", "insurance").build()).permitted()).isTrue();
    Decision d = p.evaluate(request().claim("industry", "automotive").build());
    assertThat(d.permitted()).isFalse();
    assertThat(d.failures().get(0).pointer()).isEqualTo("/permission/0/assignee/refinement/0");
  }

  @Test
  void obligationsComeWithEveryPermit() {
    CompiledPolicy p =
        compile(
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\"}],"
                + "\"obligation\":[{\"action\":\"inform\",\"informedParty\":\"sluice://p\"}]}");

    Decision d = p.evaluate(request().build());
    assertThat(d.duties()).hasSize(1);
    assertThat(d.duties().get(0).describe()).isEqualTo("inform (informedParty sluice://p)");
  }

  static final String DELETE_DUTY = "/permission/0/duty/0";

  @Test
  void aViolatedDutyTakesThePermissionOutOfForceAndTheDenialSaysWhy() {
    Request r =
        claimsRequest()
            .violatedDuty(DELETE_DUTY, "result 3f2a kept past 2027-01-02T00:00:00Z")
            .build();

    Decision d = compile(CLAIMS).evaluate(r);

    assertThat(d.permitted()).isFalse();
    assertThat(d.failures())
        .containsExactly(
            new Failure(
                "urn:sluice:offer:claims-matching-2026:match",
                DELETE_DUTY,
                "duty delete (sluice:retention lteq P30D) fulfilled",
                "result 3f2a kept past 2027-01-02T00:00:00Z",
                "the permission's duty delete (sluice:retention lteq P30D) was violated: result"
                    + " 3f2a kept past 2027-01-02T00:00:00Z"));
  }

  @Test
  void theViolatedDutyIsNamedByThePointerItsPermitReports() {
    CompiledPolicy p =
        compile(
            "{\"@type\":\"Set\",\"permission\":{\"action\":\"use\","
                + "\"duty\":{\"action\":\"delete\"}}}");
    String pointer = p.evaluate(request().build()).duties().get(0).pointer();

    assertThat(pointer).isEqualTo("/permission/duty");
    assertThat(p.evaluate(request().violatedDuty(pointer, "kept").build()).permitted()).isFalse();
    assertThat(
            p.evaluate(request().violatedDuty("/permission/0/duty/0", "kept").build()).permitted())
        .isTrue();
  }

  static final String TWO_PERMISSIONS =
      "{\"@type\":\"Set\",\"permission\":["
          + "{\"uid\":\"keep-30-days\",\"action\":\"use\",\"duty\":[{\"action\":\"delete\","
          + "\"constraint\":[{\"leftOperand\":\"sluice:retention\",\"operator\":\"lteq\","
          + "\"rightOperand\":\"P30D\"}]}]},"
          + "{\"uid\":\"read-only\",\"action\":\"read\"}],"
          + "\"obligation\":[{\"action\":\"inform\",\"informedParty\":\"sluice://p\"}]}";

  @Test
  void otherPermissionsThatGrantAreUnaffected() {
    CompiledPolicy p = compile(TWO_PERMISSIONS);
    Request.Builder read = request().action("read").violatedDuty(DELETE_DUTY, "kept 40 days");

    Decision d = p.evaluate(read.build());

    assertThat(d.permitted()).isTrue();
    assertThat(d.grantedBy()).containsExactly("read-only");
    assertThat(d.duties()).extracting(Obligation::action).containsExactly("inform");
    Decision use = p.evaluate(request().violatedDuty(DELETE_DUTY, "kept 40 days").build());
    assertThat(use.permitted()).isFalse();
    assertThat(use.failures()).extracting(Failure::pointer).containsExactly(DELETE_DUTY);
  }

  @Test
  void aPointerThatNamesNoDutyOfAPermissionIsIgnored() {
    CompiledPolicy p = compile(TWO_PERMISSIONS);
    for (String pointer :
        List.of("/permission/0/duty/1", "/permission/0", "/obligation/0", "", "duty")) {
      Decision d = p.evaluate(request().violatedDuty(pointer, "whatever").build());
      assertThat(d.permitted()).as(pointer).isTrue();
      assertThat(d.grantedBy()).containsExactly("keep-30-days");
    }
  }

  @Test
  void aViolationNeedsAReason() {
    assertThatThrownBy(() -> request().violatedDuty(DELETE_DUTY, " "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anInformDutyNamesItsInformedParty() {
    CompiledPolicy p =
        compile(
            "{\"@type\":\"Set\",\"permission\":[{\"action\":\"use\",\"duty\":[{"
                + "\"action\":\"inform\",\"informedParty\":{\"uid\":\"sluice://health/fund\"}}]}]}");

    Obligation inform = p.evaluate(request().build()).duties().get(0);

    assertThat(inform.informedParty()).contains("sluice://health/fund");
    assertThat(inform.parties()).containsEntry("informedParty", "sluice://health/fund");
    assertThat(inform.describe()).isEqualTo("inform (informedParty sluice://health/fund)");
    assertThat(compile(CLAIMS).evaluate(claimsRequest().build()).duties().get(0).informedParty())
        .isEmpty();
  }

  @Test
  void permitPathDoesNotAllocate() {
    assertPermitsWithoutAllocating(compile(CLAIMS), claimsRequest().build());
  }

  @Test
  void permitPathDoesNotAllocateWhenTheRequestReportsADutyOfNoGrantingPermission() {
    assertPermitsWithoutAllocating(
        compile(CLAIMS), claimsRequest().violatedDuty("/permission/1/duty/0", "elsewhere").build());
  }

  private static void assertPermitsWithoutAllocating(CompiledPolicy p, Request r) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (int i = 0; i < 20_000; i++) {
      assertThat(p.evaluate(r).permitted()).isTrue();
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    boolean all = true;
    for (int i = 0; i < 100_000; i++) {
      all &= p.evaluate(r).permitted();
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(all).isTrue();
    // Measuring itself may allocate a few bytes; one object per call would be >= 1.6 MB.
    assertThat(allocated).isLessThan(64 * 1024);
  }
}
