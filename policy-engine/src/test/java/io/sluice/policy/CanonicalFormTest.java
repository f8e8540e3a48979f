package io.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalFormTest {

  static String canonical(String json) {
    return PolicyCodec.canonicalJson(PolicyCodec.parse(json));
  }

  static String withConstraint(String constraint) {
    return "{\"@type\":\"Set\",\"uid\":\"u\",\"permission\":[{\"action\":\"use\",\"constraint\":["
        + constraint
        + "]}]}";
  }

  @ParameterizedTest(name = "{0} == {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // durations
        "{'leftOperand':'elapsedTime','operator':'lteq','rightOperand':'PT720H'}"
            + "|{'leftOperand':'elapsedTime','operator':'lteq','rightOperand':{'@value':'P30D','@type':'xsd:duration'}}",
        "{'leftOperand':'elapsedTime','operator':'lteq','rightOperand':'P12M'}"
            + "|{'leftOperand':'elapsedTime','operator':'lteq','rightOperand':'P1Y'}",
        "{'leftOperand':'elapsedTime','operator':'lteq','rightOperand':'P2W'}"
            + "|{'leftOperand':'elapsedTime','operator':'lteq','rightOperand':'P14D'}",
        "{'leftOperand':'elapsedTime','operator':'lteq','rightOperand':'PT90M'}"
            + "|{'leftOperand':'elapsedTime','operator':'lteq','rightOperand':'PT1H30M'}",
        // dates and time zones
        "{'leftOperand':'dateTime','operator':'lteq','rightOperand':'2028-01-01T00:59:59+01:00'}"
            + "|{'leftOperand':'dateTime','operator':'lteq','rightOperand':{'@value':'2027-12-31T23:59:59.000Z','@type':'xsd:dateTime'}}",
        "{'leftOperand':'dateTime','operator':'lteq','rightOperand':{'@value':'2017-12-31','@type':'xsd:date'}}"
            + "|{'leftOperand':'dateTime','operator':'lteq','rightOperand':'2017-12-31Z'}",
        // numbers
        "{'leftOperand':'count','operator':'lt','rightOperand':5}"
            + "|{'leftOperand':'count','operator':'lteq','rightOperand':{'@value':'4','@type':'xsd:integer'}}",
        "{'leftOperand':'sluice:epsilon','operator':'lteq','rightOperand':1.00}"
            + "|{'leftOperand':'sluice:epsilon','operator':'lteq','rightOperand':'1'}",
        // terms and sets
        "{'leftOperand':{'@id':'odrl:purpose'},'operator':'odrl:eq','rightOperand':'x'}"
            + "|{'leftOperand':'purpose','operator':'eq','rightOperand':{'@value':'x','@type':'xsd:string'}}",
        "{'leftOperand':'sluice:outputColumns','operator':'isPartOf','rightOperand':['b','a','b']}"
            + "|{'leftOperand':'sluice:outputColumns','operator':'isPartOf','rightOperand':['a','b']}",
        "{'leftOperand':'sluice:participant.role','operator':'isPartOf','rightOperand':'a'}"
            + "|{'leftOperand':'sluice:participant.role','operator':'isPartOf','rightOperand':['a']}",
        "{'leftOperand':'sluice:participant.role','operator':'eq','rightOperand':'a','dataType':'xsd:string'}"
            + "|{'leftOperand':'sluice:participant.role','operator':'eq','rightOperand':'a'}",
        // join keys: one spelling (rules in lower case, :preserve left out, no spaces)
        "{'leftOperand':'sluice:keyColumns','operator':'eq','rightOperand':'national_id:UPPER, visit_date:preserve'}"
            + "|{'leftOperand':'sluice:keyColumns','operator':'eq','rightOperand':'national_id:upper,visit_date'}",
        "{'leftOperand':'sluice:keyColumns','operator':'isAnyOf','rightOperand':['b','a:Preserve','a']}"
            + "|{'leftOperand':'sluice:keyColumns','operator':'isAnyOf','rightOperand':['a','b']}",
        // logical operands are unordered, and/or
        "{'or':[{'leftOperand':'purpose','operator':'eq','rightOperand':'a'},{'leftOperand':'count','operator':'lteq','rightOperand':3}]}"
            + "|{'or':{'@list':[{'leftOperand':'count','operator':'lteq','rightOperand':3},{'leftOperand':'purpose','operator':'eq','rightOperand':'a'}]}}",
      })
  void equivalentConstraintsHaveTheSameCanonicalBytes(String a, String b) {
    assertThat(canonical(withConstraint(a.replace('\'', '"'))))
        .isEqualTo(canonical(withConstraint(b.replace('\'', '"'))));
  }

  @Test
  void policyLevelTargetAndPartiesAreCopiedIntoRules() {
    String compact =
        "{\"@type\":\"Offer\",\"@id\":\"urn:p\",\"target\":\"urn:t\",\"assigner\":\"urn:a\","
            + "\"permission\":{\"action\":\"odrl:use\"}}";
    String expanded =
        "{\"@type\":\"odrl:Offer\",\"uid\":\"urn:p\",\"permission\":[{\"target\":[\"urn:t\"],"
            + "\"assigner\":{\"uid\":\"urn:a\"},\"action\":[{\"rdf:value\":{\"@id\":\"use\"}}]}]}";
    assertThat(canonical(compact)).isEqualTo(canonical(expanded));
    assertThat(canonical(compact))
        .isEqualTo(
            "{\"@type\":\"Offer\",\"permission\":[{\"action\":\"use\",\"assigner\":\"urn:a\","
                + "\"target\":\"urn:t\"}],\"uid\":\"urn:p\"}");
  }

  @Test
  void ruleOrderDoesNotMatterButAndSequenceOrderDoes() {
    String p1 =
        "{'action':'use','constraint':[{'leftOperand':'purpose','operator':'eq','rightOperand':'a'}]}";
    String p2 = "{'action':'read'}";
    String ab = "{'@type':'Set','permission':[" + p1 + "," + p2 + "]}";
    String ba = "{'@type':'Set','permission':[" + p2 + "," + p1 + "]}";
    assertThat(canonical(ab.replace('\'', '"'))).isEqualTo(canonical(ba.replace('\'', '"')));

    String c1 = "{'leftOperand':'purpose','operator':'eq','rightOperand':'a'}";
    String c2 = "{'leftOperand':'count','operator':'lteq','rightOperand':3}";
    assertThat(
            canonical(
                withConstraint(("{'andSequence':[" + c1 + "," + c2 + "]}").replace('\'', '"'))))
        .isNotEqualTo(
            canonical(
                withConstraint(("{'andSequence':[" + c2 + "," + c1 + "]}").replace('\'', '"'))));
  }

  @Test
  void differentMeaningsHaveDifferentBytes() {
    assertThat(
            canonical(
                withConstraint(
                    "{\"leftOperand\":\"count\",\"operator\":\"lteq\",\"rightOperand\":30}")))
        .isNotEqualTo(
            canonical(
                withConstraint(
                    "{\"leftOperand\":\"count\",\"operator\":\"lteq\",\"rightOperand\":31}")));
  }

  @Test
  void aKeyIsWrittenInItsCanonicalFormAndItsOrderIsKept() {
    String key =
        "{\"leftOperand\":\"sluice:keyColumns\",\"operator\":\"isAnyOf\",\"rightOperand\":[%s]}";
    assertThat(canonical(withConstraint(key.formatted("\"visit_date, national_id:Upper\""))))
        .contains("\"rightOperand\":[\"visit_date,national_id:upper\"]");
    assertThat(canonical(withConstraint(key.formatted("\"a,b\""))))
        .isNotEqualTo(canonical(withConstraint(key.formatted("\"b,a\""))));
  }

  @Test
  void digestIsTheSha256OfTheCanonicalBytes() {
    Policy p = PolicyCodec.parse(RepoFiles.example("claims-matching-offer.json"));
    assertThat(PolicyCodec.digest(p))
        .hasSize(64)
        .isEqualTo(PolicyCodec.sha256Hex(PolicyCodec.canonicalBytes(p)));
    assertThat(PolicyCodec.sha256Hex(new byte[0]))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }
}
