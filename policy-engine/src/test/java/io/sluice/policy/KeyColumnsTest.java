package io.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.policy.KeyColumns.CaseRule;
import io.sluice.policy.KeyColumns.Column;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeyColumnsTest {

  @Test
  void readsColumnsInOrderWithTheirCaseRules() {
    KeyColumns key = KeyColumns.parse("national_id:UPPER, visit_date:preserve,Claim Ref:lower");

    assertThat(key.columns())
        .containsExactly(
            new Column("national_id", CaseRule.UPPER),
            new Column("visit_date", CaseRule.PRESERVE),
            new Column("Claim Ref", CaseRule.LOWER));
    assertThat(key.names()).containsExactly("national_id", "visit_date", "Claim Ref");
    assertThat(key.canonical()).isEqualTo("national_id:upper,visit_date,Claim Ref:lower");
    assertThat(key).hasToString(key.canonical());
  }

  @Test
  void canonicalTextReadsBackToTheSameKey() {
    KeyColumns key = KeyColumns.parse(" a : Lower ,b\u00a0");

    assertThat(KeyColumns.parse(key.canonical())).isEqualTo(key);
    assertThat(KeyColumns.canonical(key.canonical())).isEqualTo("a:lower,b");
  }

  @Test
  void keysWithOtherColumnsOrderOrRulesDiffer() {
    assertThat(KeyColumns.parse("a,b")).isNotEqualTo(KeyColumns.parse("b,a"));
    assertThat(KeyColumns.parse("a,b")).isNotEqualTo(KeyColumns.parse("a"));
    assertThat(KeyColumns.parse("a")).isNotEqualTo(KeyColumns.parse("a:upper"));
    assertThat(KeyColumns.parse("a")).isEqualTo(KeyColumns.parse("a:PRESERVE"));
  }

  @ParameterizedTest(name = "[{0}]")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "national_id:title|unknown case rule 'title' in sluice:keyColumns; use preserve, lower or"
            + " upper",
        "a:|unknown case rule '' in sluice:keyColumns; use preserve, lower or upper",
        "a,,b|column 2 of sluice:keyColumns has no name; write name or name:rule",
        ":upper|column 1 of sluice:keyColumns has no name; write name or name:rule",
        "a:upper:lower|column 'a:upper:lower' in sluice:keyColumns has more than one ':'; write"
            + " name:rule",
        "a,b,A,a:upper|column 'a' appears twice in sluice:keyColumns",
      })
  void rejectsAMalformedKeyInPlainWords(String written, String message) {
    assertThatThrownBy(() -> KeyColumns.parse(written))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void rejectsEmptyKeysControlCharactersAndKeysBeyondTheLimits() {
    assertThatThrownBy(() -> KeyColumns.parse(" ")).hasMessage("sluice:keyColumns names no column");
    assertThatThrownBy(() -> KeyColumns.parse("a\tb"))
        .hasMessage("a column name in sluice:keyColumns contains a control character");
    assertThatThrownBy(() -> KeyColumns.parse("c,".repeat(16) + "c17"))
        .hasMessage("sluice:keyColumns has 17 columns; a key has at most 16");
    assertThat(KeyColumns.parse("\uD83D\uDE00".repeat(128)).names()).hasSize(1);
    assertThatThrownBy(() -> KeyColumns.parse("x".repeat(129)))
        .hasMessage("a column name in sluice:keyColumns has at most 128 characters");
  }

  @Test
  void aKeyBuiltInCodeIsCheckedLikeAParsedOne() {
    assertThatThrownBy(() -> new Column(" a", CaseRule.PRESERVE))
        .hasMessageContaining("leading or trailing white space");
    assertThatThrownBy(() -> new Column("a,b", CaseRule.PRESERVE)).hasMessageContaining("','");
    assertThatThrownBy(() -> new Column("a:b", CaseRule.PRESERVE)).hasMessageContaining("':'");
    assertThatThrownBy(() -> new KeyColumns(List.of()))
        .hasMessage("sluice:keyColumns names no column");
    assertThat(new KeyColumns(List.of(new Column("a", CaseRule.LOWER))).canonical())
        .isEqualTo("a:lower");
  }
}
