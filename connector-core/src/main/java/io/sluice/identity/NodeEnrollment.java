package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A node's side of enrolment: a fresh P-256 key that never leaves the node, and a PKCS#10 request
 * naming the participant (CN), its organisation (O) and the DNS names it serves on.
 */
public final class NodeEnrollment {
  public static final String KEY_FILE = "node.key";
  public static final String CSR_FILE = "node.csr";
  public static final String CERT_FILE = "node.crt";

  private static final Pattern DNS =
      Pattern.compile(
          "(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*");

  private NodeEnrollment() {}

  /** The outcome of {@link #init}: the new key (already written) and the request. */
  public record Enrollment(java.security.PrivateKey key, PKCS10CertificationRequest csr) {
    @Override
    public String toString() {
      return "Enrollment[csr for " + csr.getSubject() + "]";
    }
  }

  /** Writes {@code DIR/node.key} and {@code DIR/node.csr}; refuses to replace either. */
  public static Enrollment init(
      Path dir, String participant, String organization, List<String> hosts, char[] passphrase) {
    ParticipantId.requireName("participant", participant);
    for (String host : hosts) {
      if (!DNS.matcher(host).matches()) {
        throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "'" + host + "' is not a DNS name");
      }
    }
    Path keyFile = dir.resolve(KEY_FILE);
    Path csrFile = dir.resolve(CSR_FILE);
    PemFiles.requireAbsent(keyFile, csrFile);
    KeyPair pair = Authority.newP256KeyPair();
    X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, participant);
    if (organization != null && !organization.isBlank()) {
      subject.addRDN(BCStyle.O, organization);
    }
    JcaPKCS10CertificationRequestBuilder builder =
        new JcaPKCS10CertificationRequestBuilder(subject.build(), pair.getPublic());
    if (!hosts.isEmpty()) {
      try {
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(
                hosts.stream()
                    .map(h -> new GeneralName(GeneralName.dNSName, h))
                    .toArray(GeneralName[]::new)));
        builder.addAttribute(
            PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
      } catch (IOException e) {
        throw new SluiceException(ErrorCode.INTERNAL, "cannot encode the requested hosts", e);
      }
    }
    PKCS10CertificationRequest csr = builder.build(Authority.signer(pair.getPrivate()));
    PemFiles.writePrivateKey(keyFile, pair.getPrivate(), passphrase);
    PemFiles.writeCsr(csrFile, csr);
    return new Enrollment(pair.getPrivate(), csr);
  }

  /**
   * A renewal: a new key and request for the participant that {@code current} names, with its
   * organisation and, unless {@code hosts} are given, its DNS names. Writes {@code DIR/node.key}
   * and {@code DIR/node.csr}; refuses to replace either.
   */
  public static Enrollment renew(
      Path dir, X509Certificate current, List<String> hosts, char[] passphrase) {
    PeerIdentity identity = PeerIdentity.fromCertificate(current);
    List<String> names = hosts.isEmpty() ? dnsNames(current) : hosts;
    return init(dir, identity.participant(), identity.organization(), names, passphrase);
  }

  private static List<String> dnsNames(X509Certificate cert) {
    List<String> names = new ArrayList<>();
    try {
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          if (Integer.valueOf(GeneralName.dNSName).equals(san.get(0))) {
            names.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "unreadable subject alternative names");
    }
    return names;
  }

  static String commonName(X500Name subject) {
    RDN[] cn = subject.getRDNs(BCStyle.CN);
    if (cn.length != 1) {
      throw new SluiceException(
          ErrorCode.INVALID_CERTIFICATE_REQUEST,
          "the request must name exactly one participant (CN)");
    }
    String name = IETFUtils.valueToString(cn[0].getFirst().getValue());
    if (!ParticipantId.isValidName(name)) {
      throw new SluiceException(
          ErrorCode.INVALID_CERTIFICATE_REQUEST,
          "the request's participant id '" + name + "' is not a valid name");
    }
    return name;
  }

  /** The DNS names a request asks for (from its extensionRequest); other SAN types are refused. */
  static List<String> requestedHosts(PKCS10CertificationRequest csr) {
    List<String> hosts = new ArrayList<>();
    for (Attribute attribute :
        csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      for (ASN1Encodable value : attribute.getAttributeValues()) {
        Extensions extensions = Extensions.getInstance(value);
        GeneralNames names =
            GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
        if (names == null) {
          continue;
        }
        for (GeneralName name : names.getNames()) {
          if (name.getTagNo() != GeneralName.dNSName) {
            throw new SluiceException(
                ErrorCode.INVALID_CERTIFICATE_REQUEST,
                "the request may only ask for DNS names; the authority assigns the participant URI");
          }
          String host = name.getName().toString();
          if (!DNS.matcher(host).matches()) {
            throw new SluiceException(
                ErrorCode.INVALID_CERTIFICATE_REQUEST, "'" + host + "' is not a DNS name");
          }
          hosts.add(host);
        }
      }
    }
    return hosts;
  }
}
