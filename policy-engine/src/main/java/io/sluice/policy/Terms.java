package io.sluice.policy;

/** Spelling rules for vocabulary terms: compact, {@code odrl:}-prefixed or full IRIs. */
final class Terms {
  static final String ODRL_NS = "http://www.w3.org/ns/odrl/2/";
  static final String XSD_NS = "http://www.w3.org/2001/XMLSchema#";

  private Terms() {}

  /** {@code odrl:use} and {@code http://www.w3.org/ns/odrl/2/use} become {@code use}. */
  static String odrlLocalName(String written) {
    if (written == null) {
      return "";
    }
    if (written.startsWith("odrl:")) {
      return written.substring(5);
    }
    if (written.startsWith(ODRL_NS)) {
      return written.substring(ODRL_NS.length());
    }
    return written;
  }

  /** {@code xsd:integer} and the full XML Schema IRI become {@code integer}; else null. */
  static String xsdLocalName(String written) {
    if (written == null) {
      return null;
    }
    if (written.startsWith("xsd:")) {
      return written.substring(4);
    }
    if (written.startsWith(XSD_NS)) {
      return written.substring(XSD_NS.length());
    }
    return null;
  }
}
