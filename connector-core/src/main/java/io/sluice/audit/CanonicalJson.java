package io.sluice.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The details of an audit event: a small JSON object, checked and written in one canonical form
 * (keys sorted by UTF-16 code units, no whitespace, Jackson's string escaping), so that equal
 * details always give equal bytes.
 *
 * <p>The guard keeps details to what an audit trail needs and rejects the shapes that raw data
 * takes. Keys are identifiers ({@code [A-Za-z][A-Za-z0-9_.-]*}, at most 64 characters); values are
 * strings of at most 256 characters, integers that fit a {@code long}, booleans, null, or arrays
 * and objects of those, nested at most 3 deep, 64 members at most each; the whole text is at most
 * 4096 characters. Floating-point numbers are rejected (they have no single text form), and so are
 * strings that look like e-mail addresses. The guard cannot recognise every raw value: callers must
 * never put raw identifiers (names, insurance or customer numbers), payload values or key material
 * in details; record counts, digests, fingerprints, policy and rule names.
 */
final class CanonicalJson {
  static final int MAX_LENGTH = 4096;
  private static final int MAX_STRING = 256;
  private static final int MAX_MEMBERS = 64;
  private static final int MAX_DEPTH = 3;
  private static final Pattern KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
  private static final Pattern EMAIL = Pattern.compile("[^\\s@]+@[^\\s@]+\\.[^\\s@]+");

  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private CanonicalJson() {}

  /**
   * Checks {@code details} against the guard and returns its canonical text.
   *
   * @throws SluiceException INVALID_ARGUMENT naming the offending key
   */
  static String canonical(ObjectNode details) {
    StringWriter out = new StringWriter();
    try (JsonGenerator generator = FACTORY.createGenerator(out)) {
      write(details, generator, "", 1);
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot write audit details", e);
    }
    String text = out.toString();
    if (text.length() > MAX_LENGTH) {
      throw invalid("audit details are longer than " + MAX_LENGTH + " characters");
    }
    return text;
  }

  /** Parses stored details; they are a JSON object. */
  static ObjectNode parse(String text) {
    try {
      JsonNode node = MAPPER.readTree(text);
      if (node instanceof ObjectNode object) {
        return object;
      }
    } catch (JsonProcessingException e) {
      // fall through
    }
    throw new SluiceException(ErrorCode.INVALID_DATA, "stored audit details are not a JSON object");
  }

  private static void write(JsonNode node, JsonGenerator out, String path, int depth)
      throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        checkContainer(node, path, depth);
        List<String> names = new ArrayList<>(node.size());
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          if (!KEY.matcher(field.getKey()).matches()) {
            throw invalid("audit detail key '" + printable(field.getKey()) + "' is not allowed");
          }
          names.add(field.getKey());
        }
        Collections.sort(names);
        out.writeStartObject();
        for (String name : names) {
          out.writeFieldName(name);
          write(node.get(name), out, path.isEmpty() ? name : path + "." + name, depth + 1);
        }
        out.writeEndObject();
      }
      case ARRAY -> {
        checkContainer(node, path, depth);
        out.writeStartArray();
        for (JsonNode element : node) {
          write(element, out, path + "[]", depth + 1);
        }
        out.writeEndArray();
      }
      case STRING -> {
        String value = node.textValue();
        if (value.length() > MAX_STRING) {
          throw invalid("audit detail '" + path + "' is longer than " + MAX_STRING + " characters");
        }
        if (EMAIL.matcher(value).find()) {
          throw invalid("audit detail '" + path + "' looks like an e-mail address");
        }
        out.writeString(value);
      }
      case NUMBER -> {
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
          throw invalid("audit detail '" + path + "' must be an integer that fits 64 bits");
        }
        out.writeNumber(node.longValue());
      }
      case BOOLEAN -> out.writeBoolean(node.booleanValue());
      case NULL -> out.writeNull();
      default -> throw invalid("audit detail '" + path + "' has an unsupported type");
    }
  }

  private static void checkContainer(JsonNode node, String path, int depth) {
    if (depth > MAX_DEPTH) {
      throw invalid("audit details nest deeper than " + MAX_DEPTH + " at '" + path + "'");
    }
    if (node.size() > MAX_MEMBERS) {
      throw invalid("audit detail '" + path + "' has more than " + MAX_MEMBERS + " members");
    }
  }

  private static String printable(String key) {
    String shown = key.length() > 32 ? key.substring(0, 32) + "..." : key;
    return shown.replaceAll("[^\\x20-\\x7e]", "?");
  }

  private static SluiceException invalid(String message) {
    return new SluiceException(ErrorCode.INVALID_ARGUMENT, message);
  }
}
