package io.sluice.node.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sluice.identity.ParticipantId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A YAML configuration file with the line of every field, and typed accessors whose errors name the
 * file, the line and the field ({@code datasets[0].offers[1].policy}). Paths in the file are
 * relative to the file's directory. Schemas list dotted paths, {@code []} for list items and {@code
 * *} for free-form map keys.
 */
final class ConfigDocument {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path file;
  private final Path baseDir;
  private final Map<String, Integer> lines = new HashMap<>();
  private final JsonNode root;

  private ConfigDocument(Path file, String text) {
    this.file = file;
    Path parent = file.toAbsolutePath().getParent();
    this.baseDir = parent == null ? Path.of(".").toAbsolutePath() : parent;
    this.root = parse(text);
    if (root == null || !root.isObject()) {
      throw new ConfigException(file, 1, null, "expected a YAML mapping of fields");
    }
  }

  static ConfigDocument read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(
          file, 0, null, "cannot read the configuration file (" + reasonOf(e) + ")");
    }
    return new ConfigDocument(file, text);
  }

  Path file() {
    return file;
  }

  Path baseDir() {
    return baseDir;
  }

  JsonNode root() {
    return root;
  }

  Map<String, Integer> lines() {
    return Map.copyOf(lines);
  }

  /** Fails on the first field that the schema does not know. */
  void checkKnown(Set<String> schema) {
    checkKnown(root, "", "", schema);
  }

  private void checkKnown(JsonNode node, String path, String schemaPath, Set<String> schema) {
    if (node.isObject()) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        String p = path.isEmpty() ? name : path + "." + name;
        String wildcard = schemaPath.isEmpty() ? "*" : schemaPath + ".*";
        String s = schemaPath.isEmpty() ? name : schemaPath + "." + name;
        if (!schema.contains(s)) {
          if (schema.contains(wildcard)) {
            continue; // free-form map: values are checked by the reader
          }
          throw error(p, "unknown field (known fields: " + knownUnder(schema, schemaPath) + ")");
        }
        checkKnown(node.get(name), p, s, schema);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkKnown(node.get(i), path + "[" + i + "]", schemaPath + "[]", schema);
      }
    }
  }

  private static String knownUnder(Set<String> schema, String prefix) {
    Set<String> names = new TreeSet<>();
    for (String s : schema) {
      String rest;
      if (prefix.isEmpty()) {
        rest = s;
      } else if (s.startsWith(prefix + ".")) {
        rest = s.substring(prefix.length() + 1);
      } else {
        continue;
      }
      if (!rest.contains(".") && !rest.contains("[") && !rest.equals("*")) {
        names.add(rest);
      }
    }
    return String.join(", ", names);
  }

  JsonNode required(JsonNode node, String field) {
    JsonNode value = node.get(leaf(field));
    if (value == null || value.isNull()) {
      throw error(field, "missing required field");
    }
    return value;
  }

  String text(JsonNode node, String field) {
    JsonNode value = required(node, field);
    if (!value.isTextual() && !value.isNumber()) {
      throw error(field, "expected a text value");
    }
    String text = value.asText().trim();
    if (text.isEmpty()) {
      throw error(field, "must not be empty");
    }
    return text;
  }

  String optionalText(JsonNode node, String field, String fallback) {
    JsonNode value = node.get(leaf(field));
    return value == null || value.isNull() ? fallback : text(node, field);
  }

  String name(JsonNode node, String field) {
    String value = text(node, field);
    if (!ParticipantId.isValidName(value)) {
      throw error(
          field,
          "'"
              + value
              + "' is not a valid name (lower-case letters, digits, '.', '_' or '-', at most 63)");
    }
    return value;
  }

  NodeConfig.HostPort hostPort(JsonNode value, String field) {
    if (!value.isTextual()) {
      throw error(field, "expected host:port");
    }
    String text = value.asText().trim();
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw error(field, "expected host:port, got '" + text + "'");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw error(field, "port in '" + text + "' is not a number");
    }
    if (port < 0 || port > 65535) {
      throw error(field, "port " + port + " is out of range 0-65535");
    }
    return new NodeConfig.HostPort(host, port);
  }

  Path path(String text) {
    return baseDir.resolve(text).normalize();
  }

  Path existingFile(JsonNode node, String field) {
    Path p = path(text(node, field));
    if (!Files.isRegularFile(p)) {
      throw error(field, "file " + p + " does not exist");
    }
    if (!Files.isReadable(p)) {
      throw error(field, "file " + p + " is not readable");
    }
    return p;
  }

  Path optionalFile(JsonNode node, String field) {
    return node.has(leaf(field)) ? existingFile(node, field) : null;
  }

  long positive(JsonNode node, String field, long fallback) {
    JsonNode value = node.get(leaf(field));
    if (value == null) {
      return fallback;
    }
    if (!value.canConvertToLong() || value.asLong() <= 0) {
      throw error(field, "expected a positive whole number");
    }
    return value.asLong();
  }

  long nonNegative(JsonNode node, String field, long fallback) {
    JsonNode value = node.get(leaf(field));
    if (value == null) {
      return fallback;
    }
    if (!value.canConvertToLong() || value.asLong() < 0) {
      throw error(field, "expected a whole number, 0 or more");
    }
    return value.asLong();
  }

  /** An error for {@code field}, located at its line (or its nearest enclosing field's). */
  ConfigException error(String field, String problem) {
    return ConfigException.at(file, lines, field, problem);
  }

  private static String leaf(String field) {
    String last = field.substring(field.lastIndexOf('.') + 1);
    int bracket = last.indexOf('[');
    return bracket >= 0 ? last.substring(0, bracket) : last;
  }

  /** Parses YAML while remembering the line of every field, for messages. */
  private JsonNode parse(String text) {
    try (JsonParser parser = YAML.getFactory().createParser(text)) {
      while (parser.nextToken() != null) {
        if (parser.currentToken() == JsonToken.FIELD_NAME) {
          lines.putIfAbsent(
              dotted(parser.getParsingContext().pathAsPointer().toString()),
              parser.currentTokenLocation().getLineNr());
        }
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      int line = at == null ? 0 : at.getLineNr();
      String problem = e.getOriginalMessage().lines().findFirst().orElse("syntax error");
      if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked
          && marked.getProblemMark() != null) {
        line = marked.getProblemMark().getLine() + 1;
        problem = marked.getProblem();
      }
      throw new ConfigException(file, line, null, "not valid YAML: " + problem);
    } catch (IOException e) {
      throw new ConfigException(file, 0, null, "cannot parse: " + reasonOf(e));
    }
    try {
      return YAML.readTree(text);
    } catch (IOException e) {
      throw new ConfigException(file, 0, null, "not valid YAML");
    }
  }

  /** "/datasets/0/offers/1/policy" becomes "datasets[0].offers[1].policy". */
  static String dotted(String pointer) {
    StringBuilder out = new StringBuilder();
    for (String part : pointer.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      if (part.chars().allMatch(Character::isDigit)) {
        out.append('[').append(part).append(']');
      } else {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(part.replace("~1", "/").replace("~0", "~"));
      }
    }
    return out.toString();
  }

  static String reasonOf(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getClass().getSimpleName();
  }
}
