package io.sluice.audit.trace;

import java.util.List;

/**
 * Escaping for the HTML page and its inline SVG. The output is ASCII only: markup characters and
 * everything outside printable ASCII become character references, after {@link Labels#printable}
 * has made control and format characters visible. So no entry text can open a tag, end an attribute
 * or reorder what the operator reads, whatever encoding the page is saved in.
 */
final class Html {
  private Html() {}

  /** Lines of text, each escaped, joined by line breaks (for SVG titles, which show them). */
  static String lines(List<String> lines) {
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      out.append(out.length() == 0 ? "" : "&#10;").append(escape(line));
    }
    return out.toString();
  }

  /** Text for element content or a double- or single-quoted attribute value. */
  static String escape(String text) {
    String printable = Labels.printable(text);
    StringBuilder out = new StringBuilder(printable.length() + 16);
    for (int i = 0; i < printable.length(); ) {
      int c = printable.codePointAt(i);
      i += Character.charCount(c);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          if (c >= 0x20 && c < 0x7f) {
            out.append((char) c);
          } else {
            out.append("&#x").append(Integer.toHexString(c)).append(';');
          }
        }
      }
    }
    return out.toString();
  }
}
