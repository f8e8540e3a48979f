package io.sluice.node.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The test-only template substitution, against outputs worked out by hand from Helm's rules
 * (whitespace chomping of {@code {{-}}, {@code nindent}, Go template truth).
 */
class HelmTemplatesTest {
  static final String TEMPLATE =
      """
      kind: Thing
      metadata:
        name: {{ include "chart.fullname" . }}
        labels:
          {{- include "chart.labels" . | nindent 4 }}
      spec:
        port: {{ .Values.port }}
        name: {{ required "name is required" .Values.name | quote }}
        {{- if .Values.enabled }}
        enabled: yes
        {{- else }}
        enabled: no
        {{- end }}
        {{- with .Values.peers }}
        peers:
          {{- toYaml . | nindent 4 }}
        {{- end }}
        {{- with .Values.rules }}
        rules:
          - port: {{ $.Values.port }}
            from:
              {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- if not .Values.enabled }}
        disabled: true
        {{- end }}
      """;

  @Test
  void placeholdersDropActionOnlyLinesAndReplaceTheOthers() {
    assertThat(HelmTemplates.placeholders(TEMPLATE))
        .isEqualTo(
            """
            kind: Thing
            metadata:
              name: PLACEHOLDER
              labels:
            spec:
              port: PLACEHOLDER
              name: PLACEHOLDER
              enabled: yes
              enabled: no
              peers:
              rules:
                - port: PLACEHOLDER
                  from:
              disabled: true

            """);
  }

  @Test
  void rendersValuesConditionsAndFragments() {
    Map<String, Object> values =
        Map.of(
            "port",
            7443,
            "name",
            "fund \"a\"",
            "enabled",
            true,
            "peers",
            Map.of("oem", "oem:7443"),
            "rules",
            List.of(Map.of("namespaceSelector", Map.of("matchLabels", Map.of("team", "x")))));
    assertThat(HelmTemplates.render(TEMPLATE, values))
        .isEqualTo(
            """
            kind: Thing
            metadata:
              name: PLACEHOLDER
              labels:
            spec:
              port: 7443
              name: "fund \\"a\\""
              enabled: yes
              peers:
                oem: oem:7443
              rules:
                - port: 7443
                  from:
                    - namespaceSelector:
                        matchLabels:
                          team: x

            """);
  }

  @Test
  void emptyValuesAreFalseAndTheirBlocksVanish() {
    Map<String, Object> values =
        Map.of("port", 1, "name", "n", "enabled", false, "peers", Map.of(), "rules", List.of());
    assertThat(HelmTemplates.render(TEMPLATE, values))
        .isEqualTo(
            """
            kind: Thing
            metadata:
              name: PLACEHOLDER
              labels:
            spec:
              port: 1
              name: "n"
              enabled: no
              disabled: true

            """);
  }

  @Test
  void refusesWhatHelmWouldRefuseOrPrintWrongly() {
    Map<String, Object> base = Map.of("port", 1, "enabled", true, "peers", Map.of());
    assertThatThrownBy(() -> HelmTemplates.render(TEMPLATE, base))
        .hasMessageContaining("name is required");
    assertThatThrownBy(() -> HelmTemplates.render("a: {{ .Values.missing }}\n", base))
        .hasMessageContaining("no value for .Values.missing");
    assertThatThrownBy(() -> HelmTemplates.render("a: {{ .Values.big }}\n", Map.of("big", 8388608)))
        .hasMessageContaining("would print as 8.388608e+06");
    assertThatThrownBy(() -> HelmTemplates.render("a: {{ .Values.peers }}\n", base))
        .hasMessageContaining("not a scalar");
  }

  @Test
  void refusesWhatItDoesNotUnderstand() {
    Map<String, Object> values = Map.of("a", "x", "b", "y");
    assertThatThrownBy(() -> HelmTemplates.render("k: {{ .Values.a | upper }}\n", values))
        .hasMessageContaining("unsupported function: upper");
    assertThatThrownBy(
            () ->
                HelmTemplates.render(
                    "{{- if and .Values.a .Values.b }}\nk: v\n{{- end }}\n", values))
        .hasMessageContaining("unsupported expression");
    assertThatThrownBy(() -> HelmTemplates.render("{{- range .Values.a }}\n", values))
        .hasMessageContaining("unsupported action");
    assertThatThrownBy(() -> HelmTemplates.render("{{- if .Values.a }}\nk: v\n", values))
        .hasMessageContaining("unclosed");
  }
}
