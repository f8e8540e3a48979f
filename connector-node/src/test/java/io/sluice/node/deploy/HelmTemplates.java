package io.sluice.node.deploy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A deliberately small stand-in for {@code helm template}, for the chart's tests: there is no Helm
 * binary here. It works line by line, knows only the constructs the chart's templates use, and
 * fails on anything else rather than guess.
 *
 * <p>{@link #placeholders}: every line that holds nothing but template actions (control flow,
 * comments, a fragment inserted with {@code include}/{@code toYaml ... | nindent}) is dropped, and
 * every other action is replaced by the scalar {@value #PLACEHOLDER}. What remains must be YAML for
 * the template to be well-formed YAML whatever the values.
 *
 * <p>{@link #render}: evaluates against values, as Helm would:
 *
 * <ul>
 *   <li>value actions {@code .Values.a.b}, {@code $.Values.a.b}, {@code .} (inside {@code with}),
 *       optionally {@code required "message" X}, piped into {@code quote}; {@code include ...} (the
 *       named templates of _helpers.tpl, which are not evaluated) yields {@value #PLACEHOLDER},
 *       also through {@code quote} or {@code sha256sum};
 *   <li>lines holding only control actions: {@code if X}, {@code if not X}, {@code with X}, {@code
 *       else}, {@code end}, comments, where X is a value path; they vanish, as they do in Helm when
 *       written {@code {{- ... }}} on their own line;
 *   <li>lines holding only {@code toYaml X | nindent N}: X as YAML, every line indented by N;
 *   <li>lines holding only an {@code include}: dropped (their content is unknown here).
 * </ul>
 *
 * <p>Helm reads numbers as float64 and prints one of a million or more as {@code 1e+06}; printing
 * such a number directly is therefore an error here (pass it through {@code toYaml}). A missing
 * value printed directly is an error too (Helm would print {@code <no value>}).
 */
final class HelmTemplates {
  static final String PLACEHOLDER = "PLACEHOLDER";

  private static final Pattern ACTION = Pattern.compile("\\{\\{-?\\s*(.*?)\\s*-?}}");
  private static final Pattern TO_YAML =
      Pattern.compile("toYaml\\s+(\\S+)\\s*\\|\\s*nindent\\s+(\\d+)");
  private static final Pattern REQUIRED = Pattern.compile("required\\s+\"([^\"]*)\"\\s+(\\S+)");

  private HelmTemplates() {}

  /** A template whose actions cannot be evaluated here: structure only. */
  static String placeholders(String template) {
    StringBuilder out = new StringBuilder();
    for (String line : template.split("\n", -1)) {
      Matcher m = ACTION.matcher(line);
      if (m.find() && m.replaceAll("").isBlank()) {
        continue;
      }
      out.append(m.replaceAll(PLACEHOLDER)).append('\n');
    }
    return out.toString();
  }

  /** Thrown for what Helm would reject or what this class does not understand. */
  static final class TemplateException extends RuntimeException {
    TemplateException(String message) {
      super(message);
    }
  }

  private record Frame(boolean active, boolean condition, Object dot) {}

  /** {@code template} rendered with {@code values} (the chart's values.yaml with overrides). */
  static String render(String template, Map<String, Object> values) {
    Map<String, Object> root = Map.of("Values", values);
    Deque<Frame> frames = new ArrayDeque<>();
    frames.push(new Frame(true, true, root));
    StringBuilder out = new StringBuilder();
    String[] lines = template.split("\n", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n];
      String where = "line " + (n + 1) + ": ";
      Matcher m = ACTION.matcher(line);
      List<String> actions = new ArrayList<>();
      while (m.find()) {
        actions.add(m.group(1));
      }
      boolean onlyActions = !actions.isEmpty() && m.replaceAll("").isBlank();
      if (onlyActions) {
        for (String action : actions) {
          wholeLineAction(action, frames, root, out, where);
        }
        continue;
      }
      Frame top = frames.peek();
      if (!top.active()) {
        continue;
      }
      StringBuilder rendered = new StringBuilder();
      m.reset();
      while (m.find()) {
        m.appendReplacement(
            rendered, Matcher.quoteReplacement(value(m.group(1), top.dot(), root, where)));
      }
      m.appendTail(rendered);
      out.append(rendered).append('\n');
    }
    if (frames.size() != 1) {
      throw new TemplateException("unclosed if/with at the end of the template");
    }
    return out.toString();
  }

  private static void wholeLineAction(
      String action,
      Deque<Frame> frames,
      Map<String, Object> root,
      StringBuilder out,
      String where) {
    Frame top = frames.peek();
    if (action.startsWith("/*")) {
      return;
    }
    if (action.startsWith("if ") || action.startsWith("with ")) {
      boolean with = action.startsWith("with ");
      String expression = action.substring(with ? 5 : 3).trim();
      boolean negate = !with && expression.startsWith("not ");
      Object v =
          lookup(negate ? expression.substring(4).trim() : expression, top.dot(), root, where);
      boolean condition = negate != truthy(v);
      frames.push(new Frame(top.active() && condition, condition, with ? v : top.dot()));
      return;
    }
    if (action.equals("else")) {
      Frame frame = frames.pop();
      Frame parent = frames.peek();
      if (parent == null) {
        throw new TemplateException(where + "else without if");
      }
      frames.push(
          new Frame(parent.active() && !frame.condition(), !frame.condition(), parent.dot()));
      return;
    }
    if (action.equals("end")) {
      if (frames.size() == 1) {
        throw new TemplateException(where + "end without if/with");
      }
      frames.pop();
      return;
    }
    if (!top.active()) {
      return;
    }
    Matcher toYaml = TO_YAML.matcher(action);
    if (toYaml.matches()) {
      Object v = lookup(toYaml.group(1), top.dot(), root, where);
      String indent = " ".repeat(Integer.parseInt(toYaml.group(2)));
      for (String yamlLine : toYaml(v).split("\n")) {
        out.append(indent).append(yamlLine).append('\n');
      }
      return;
    }
    if (action.startsWith("include ")) {
      return;
    }
    throw new TemplateException(where + "unsupported action on its own line: {{ " + action + " }}");
  }

  private static String value(String action, Object dot, Map<String, Object> root, String where) {
    String[] pipeline = action.split("\\|");
    String first = pipeline[0].trim();
    String text;
    if (first.startsWith("include ")) {
      text = PLACEHOLDER;
    } else {
      Matcher required = REQUIRED.matcher(first);
      Object v;
      if (required.matches()) {
        v = lookup(required.group(2), dot, root, where);
        if (!truthy(v)) {
          throw new TemplateException(where + required.group(1));
        }
      } else {
        v = lookup(first, dot, root, where);
      }
      text = scalar(v, first, where);
    }
    for (int i = 1; i < pipeline.length; i++) {
      String function = pipeline[i].trim();
      switch (function) {
        case "quote" -> text = quote(text);
        case "sha256sum" -> {
          if (!first.startsWith("include ")) {
            throw new TemplateException(where + "sha256sum of a value is not supported");
          }
        }
        default -> throw new TemplateException(where + "unsupported function: " + function);
      }
    }
    return text;
  }

  private static Object lookup(String path, Object dot, Map<String, Object> root, String where) {
    Object current;
    String rest;
    if (path.equals(".")) {
      return dot;
    } else if (path.startsWith("$.")) {
      current = root;
      rest = path.substring(2);
    } else if (path.startsWith(".")) {
      current = dot;
      rest = path.substring(1);
    } else {
      throw new TemplateException(where + "unsupported expression: " + path);
    }
    for (String key : rest.split("\\.")) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(key);
    }
    return current;
  }

  private static String scalar(Object v, String expression, String where) {
    if (v == null) {
      throw new TemplateException(where + "no value for " + expression);
    }
    if (v instanceof Number number) {
      double d = number.doubleValue();
      if (Math.abs(d) >= 1e6) {
        throw new TemplateException(
            where + expression + " = " + v + " would print as " + String.format("%.6e", d));
      }
      return d == Math.rint(d) ? Long.toString((long) d) : v.toString();
    }
    if (v instanceof String || v instanceof Boolean) {
      return v.toString();
    }
    throw new TemplateException(where + expression + " is not a scalar; use toYaml");
  }

  /** Go template truth: false, 0, nil and empty strings, maps and lists are false. */
  static boolean truthy(Object v) {
    if (v == null || Boolean.FALSE.equals(v)) {
      return false;
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    if (v instanceof List<?> l) {
      return !l.isEmpty();
    }
    return true;
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private static String toYaml(Object v) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    return new Yaml(options).dump(v).stripTrailing();
  }
}
