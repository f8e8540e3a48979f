package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;

/**
 * The participant claims the authority signs into a certificate: roles and attributes.
 *
 * <p>OID {@value #OID_STRING} (an arc under the UUID OID
 * 2.25.284495908657358810607798332669670553122 that Sluice owns; "2.25" OIDs need no registration).
 * Non-critical. DER encoding:
 *
 * <pre>
 * SluiceClaims ::= SEQUENCE {
 *   version     INTEGER (1),
 *   roles       SEQUENCE OF UTF8String,              -- sorted, unique
 *   attributes  SEQUENCE OF SEQUENCE {               -- sorted by name, unique names
 *                 name   UTF8String,
 *                 value  UTF8String } }
 * </pre>
 */
public final class ClaimsExtension {
  public static final String OID_STRING = "2.25.284495908657358810607798332669670553122.1";
  public static final ASN1ObjectIdentifier OID = new ASN1ObjectIdentifier(OID_STRING);

  private static final Pattern ROLE = Pattern.compile("[a-z][a-z0-9-]{0,62}");
  private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-z][a-z0-9_.-]{0,62}");
  private static final int MAX_VALUE_LENGTH = 256;

  /** Claim names that come from elsewhere in the certificate and may not be set as attributes. */
  static final java.util.Set<String> RESERVED =
      java.util.Set.of("role", "participant", "space", "org");

  private ClaimsExtension() {}

  /** Roles and attributes carried by one certificate. */
  public record Claims(SortedSet<String> roles, SortedMap<String, String> attributes) {
    public Claims {
      roles = Collections.unmodifiableSortedSet(new TreeSet<>(roles));
      attributes = Collections.unmodifiableSortedMap(new TreeMap<>(attributes));
    }
  }

  /** Checks names and values before anything is signed. */
  public static Claims validated(Iterable<String> roles, Map<String, String> attributes) {
    TreeSet<String> r = new TreeSet<>();
    for (String role : roles) {
      if (role == null || !ROLE.matcher(role).matches()) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "role '" + role + "' is not valid (lower-case letters, digits and '-')");
      }
      r.add(role);
    }
    TreeMap<String, String> a = new TreeMap<>();
    for (Map.Entry<String, String> e : attributes.entrySet()) {
      String name = e.getKey();
      if (name == null || !ATTRIBUTE_NAME.matcher(name).matches()) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT, "attribute name '" + name + "' is not valid");
      }
      if (RESERVED.contains(name)) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "attribute name '" + name + "' is reserved (it comes from the certificate itself)");
      }
      String value = e.getValue();
      if (value == null || value.isEmpty() || value.length() > MAX_VALUE_LENGTH) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT,
            "attribute '" + name + "' needs a value of 1 to " + MAX_VALUE_LENGTH + " characters");
      }
      a.put(name, value);
    }
    return new Claims(r, a);
  }

  static byte[] encode(Claims claims) {
    ASN1EncodableVector roles = new ASN1EncodableVector();
    for (String role : claims.roles()) {
      roles.add(new DERUTF8String(role));
    }
    ASN1EncodableVector attributes = new ASN1EncodableVector();
    for (Map.Entry<String, String> e : claims.attributes().entrySet()) {
      attributes.add(
          new DERSequence(
              new org.bouncycastle.asn1.ASN1Encodable[] {
                new DERUTF8String(e.getKey()), new DERUTF8String(e.getValue())
              }));
    }
    try {
      return new DERSequence(
              new org.bouncycastle.asn1.ASN1Encodable[] {
                new ASN1Integer(1), new DERSequence(roles), new DERSequence(attributes)
              })
          .getEncoded("DER");
    } catch (java.io.IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode claims", e);
    }
  }

  /** Decodes the extension's inner value (the OCTET STRING contents); strict about shape. */
  static Claims decode(byte[] der) {
    try {
      ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(der));
      if (seq.size() != 3 || ASN1Integer.getInstance(seq.getObjectAt(0)).intValueExact() != 1) {
        throw new IllegalArgumentException("unexpected claims structure");
      }
      TreeSet<String> roles = new TreeSet<>();
      for (var role : ASN1Sequence.getInstance(seq.getObjectAt(1))) {
        roles.add(DERUTF8String.getInstance(role).getString());
      }
      TreeMap<String, String> attributes = new TreeMap<>();
      for (var pair : ASN1Sequence.getInstance(seq.getObjectAt(2))) {
        ASN1Sequence p = ASN1Sequence.getInstance(pair);
        if (p.size() != 2) {
          throw new IllegalArgumentException("attribute is not a pair");
        }
        attributes.put(
            DERUTF8String.getInstance(p.getObjectAt(0)).getString(),
            DERUTF8String.getInstance(p.getObjectAt(1)).getString());
      }
      return new Claims(roles, attributes);
    } catch (RuntimeException | java.io.IOException e) {
      throw new SluiceException(ErrorCode.UNAUTHENTICATED, "malformed claims extension");
    }
  }
}
