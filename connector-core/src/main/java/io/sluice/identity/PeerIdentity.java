package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * A participant identity read from a certificate the authority issued: who it is (the single URI
 * SAN), its organisation, roles and attributes. Built only from certificates that passed {@link
 * AuthorityTrust}; nothing here trusts a name written in a message body.
 */
public record PeerIdentity(
    ParticipantId id,
    String organization,
    SortedSet<String> roles,
    SortedMap<String, String> attributes,
    String certificateSha256,
    String serial,
    Instant notBefore,
    Instant notAfter) {

  private static final int SAN_URI = 6;

  public String participant() {
    return id.participant();
  }

  public String space() {
    return id.space();
  }

  /**
   * The claims a usage policy may test, as {@code sluice:participant.<name>}: {@code participant}
   * (the URI {@code sluice://SPACE/ID}, as ODRL party uids name participants), {@code space},
   * {@code org}, {@code role} (multi-valued) and every signed attribute.
   */
  public Map<String, Set<String>> claims() {
    Map<String, Set<String>> claims = new LinkedHashMap<>();
    claims.put("participant", Set.of(id.uri()));
    claims.put("space", Set.of(id.space()));
    if (!organization.isEmpty()) {
      claims.put("org", Set.of(organization));
    }
    claims.put("role", Set.copyOf(roles));
    attributes.forEach((k, v) -> claims.put(k, Set.of(v)));
    return claims;
  }

  /** Reads the identity from a certificate; refuses certificates without exactly one URI SAN. */
  public static PeerIdentity fromCertificate(X509Certificate cert) {
    ParticipantId id = participantUri(cert);
    ClaimsExtension.Claims claims = claimsOf(cert);
    return new PeerIdentity(
        id,
        organizationOf(cert),
        claims.roles(),
        claims.attributes(),
        sha256Hex(cert),
        cert.getSerialNumber().toString(16),
        cert.getNotBefore().toInstant(),
        cert.getNotAfter().toInstant());
  }

  /** The single {@code sluice://} URI SAN, or an UNAUTHENTICATED error. */
  static ParticipantId participantUri(X509Certificate cert) {
    List<String> uris = new ArrayList<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() >= 2 && Integer.valueOf(SAN_URI).equals(san.get(0))) {
            uris.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      throw new SluiceException(ErrorCode.UNAUTHENTICATED, "unreadable subject alternative names");
    }
    if (uris.size() != 1) {
      throw new SluiceException(
          ErrorCode.UNAUTHENTICATED,
          "certificate must carry exactly one URI SAN, found " + uris.size());
    }
    return ParticipantId.parseUri(uris.get(0));
  }

  static ClaimsExtension.Claims claimsOf(X509Certificate cert) {
    byte[] ext = cert.getExtensionValue(ClaimsExtension.OID_STRING);
    if (ext == null) {
      return new ClaimsExtension.Claims(new TreeSet<>(), new java.util.TreeMap<>());
    }
    return ClaimsExtension.decode(ASN1OctetString.getInstance(ext).getOctets());
  }

  static String organizationOf(X509Certificate cert) {
    X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    RDN[] o = subject.getRDNs(BCStyle.O);
    return o.length == 0 ? "" : IETFUtils.valueToString(o[0].getFirst().getValue());
  }

  public static String sha256Hex(X509Certificate cert) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot fingerprint certificate", e);
    }
  }
}
