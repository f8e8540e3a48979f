package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The data space authority: a self-signed ECDSA P-256 root that issues participant certificates and
 * publishes a CRL. Its files live in one directory: {@value #KEY_FILE} (PKCS#8, encrypted unless
 * the operator insisted otherwise), {@value #CERT_FILE} and {@value #CRL_FILE}.
 */
public final class Authority {
  public static final String KEY_FILE = "authority.key";
  public static final String CERT_FILE = "authority.crt";
  public static final String CRL_FILE = "authority.crl";

  static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
  static final Duration AUTHORITY_VALIDITY = Duration.ofDays(3650);

  /** The next update of the CRL that {@code init} and {@code revoke} sign. */
  public static final Duration CRL_VALIDITY = Duration.ofDays(30);

  /** The longest validity {@link #refreshCrl} signs: a CRL is a promise to publish again. */
  public static final Duration MAX_CRL_VALIDITY = Duration.ofDays(366);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final PrivateKey key;
  private final X509Certificate certificate;
  private final String space;
  private final Clock clock;

  private Authority(Path dir, PrivateKey key, X509Certificate certificate, Clock clock) {
    this.dir = dir;
    this.key = key;
    this.certificate = certificate;
    this.space = spaceOf(certificate);
    this.clock = clock;
  }

  /**
   * Creates a new authority in {@code dir}. Refuses when any authority file already exists. {@code
   * passphrase} null writes the key unencrypted (the CLI allows that only with an explicit flag).
   */
  public static Authority init(
      Path dir, String space, String name, char[] passphrase, Clock clock) {
    ParticipantId.requireName("space", space);
    Path keyFile = dir.resolve(KEY_FILE);
    Path certFile = dir.resolve(CERT_FILE);
    Path crlFile = dir.resolve(CRL_FILE);
    PemFiles.requireAbsent(keyFile, certFile, crlFile);
    KeyPair pair = newP256KeyPair();
    String displayName = name == null || name.isBlank() ? space + " data space authority" : name;
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.CN, displayName)
            .addRDN(BCStyle.O, space)
            .build();
    Instant now = clock.instant();
    X509Certificate cert;
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  newSerial(),
                  Date.from(now.minus(Duration.ofMinutes(5))),
                  Date.from(now.plus(AUTHORITY_VALIDITY)),
                  subject,
                  pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  utils.createSubjectKeyIdentifier(pair.getPublic()))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(
                      new GeneralName(GeneralName.uniformResourceIdentifier, "sluice://" + space)));
      cert = PemFiles.toCertificate(builder.build(signer(pair.getPrivate())), "authority");
    } catch (IOException | GeneralSecurityException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot create the authority certificate", e);
    }
    Authority authority = new Authority(dir, pair.getPrivate(), cert, clock);
    X509CRL crl = authority.signCrl(List.of(), BigInteger.ONE, CRL_VALIDITY);
    // Key first: if a later write fails the directory is unusable but never holds a certificate
    // whose key is lost.
    PemFiles.writePrivateKey(keyFile, pair.getPrivate(), passphrase);
    PemFiles.writeCertificate(certFile, cert);
    PemFiles.writeCrl(crlFile, crl);
    return authority;
  }

  /** Loads an existing authority; a wrong passphrase fails before anything is touched. */
  public static Authority load(Path dir, char[] passphrase, Clock clock) {
    Path keyFile = dir.resolve(KEY_FILE);
    if (!Files.exists(keyFile)) {
      throw new SluiceException(
          ErrorCode.NOT_FOUND, "no authority in " + dir + " (missing " + KEY_FILE + ")");
    }
    PrivateKey key = PemFiles.readPrivateKey(keyFile, passphrase);
    X509Certificate cert = PemFiles.readCertificate(dir.resolve(CERT_FILE));
    if (!matches(key, cert.getPublicKey())) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, keyFile + " does not belong to " + dir.resolve(CERT_FILE));
    }
    return new Authority(dir, key, cert, clock);
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public String space() {
    return space;
  }

  public Path crlFile() {
    return dir.resolve(CRL_FILE);
  }

  /**
   * Issues a participant certificate for a verified CSR: one URI SAN {@code sluice://SPACE/ID}
   * where ID is the CSR's common name, a DNS SAN per host the CSR requested, serverAuth and
   * clientAuth, digitalSignature only, not a CA, and the roles and attributes as {@link
   * ClaimsExtension}. The validity never outlives the authority.
   */
  public X509Certificate issue(
      PKCS10CertificationRequest csr,
      List<String> roles,
      Map<String, String> attributes,
      Duration validity) {
    verifyCsr(csr);
    ClaimsExtension.Claims claims = ClaimsExtension.validated(roles, attributes);
    if (claims.roles().isEmpty()) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "at least one role is required");
    }
    X500Name subject = csr.getSubject();
    String participant = NodeEnrollment.commonName(subject);
    ParticipantId id = new ParticipantId(space, participant);
    List<String> hosts = NodeEnrollment.requestedHosts(csr);
    if (validity.isNegative() || validity.isZero()) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "validity must be positive");
    }
    Instant now = clock.instant();
    Instant notAfter = now.plus(validity);
    Instant authorityEnd = certificate.getNotAfter().toInstant();
    if (notAfter.isAfter(authorityEnd)) {
      notAfter = authorityEnd;
    }
    List<GeneralName> sans = new ArrayList<>();
    sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri()));
    for (String host : hosts) {
      sans.add(new GeneralName(GeneralName.dNSName, host));
    }
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      PublicKey subjectKey =
          new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter()
              .getPublicKey(csr.getSubjectPublicKeyInfo());
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  newSerial(),
                  Date.from(now.minus(Duration.ofMinutes(5))),
                  Date.from(notAfter),
                  subject,
                  subjectKey)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(sans.toArray(GeneralName[]::new)))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  utils.createSubjectKeyIdentifier(subjectKey))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  utils.createAuthorityKeyIdentifier(certificate))
              .addExtension(
                  ClaimsExtension.OID,
                  false,
                  new DEROctetString(ClaimsExtension.encode(claims)).getOctets());
      return PemFiles.toCertificate(builder.build(signer(key)), "issued certificate");
    } catch (IOException | GeneralSecurityException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot issue the certificate", e);
    }
  }

  /**
   * Adds {@code cert} to the CRL and re-signs it with the next CRL number. Revoking a certificate
   * twice changes nothing and returns false.
   */
  public boolean revoke(X509Certificate cert, int reason) {
    verifyIssuedHere(cert);
    X509CRL current = currentCrl();
    if (current.getRevokedCertificate(cert.getSerialNumber()) != null) {
      return false;
    }
    List<Revocation> entries = entriesOf(current);
    entries.add(new Revocation(cert.getSerialNumber(), clock.instant(), reason));
    X509CRL next = signCrl(entries, crlNumber(current).add(BigInteger.ONE), CRL_VALIDITY);
    PemFiles.writeCrl(crlFile(), next);
    return true;
  }

  /**
   * Re-signs the CRL with the same revocations, the next CRL number, this update now and the next
   * update {@code validity} from now, so that nodes keep trusting it (run it from cron well before
   * the next update). The current CRL must verify: an unreadable or forged file is an error, never
   * replaced by an empty list.
   *
   * @return the new CRL, already written to {@link #crlFile()}
   */
  public X509CRL refreshCrl(Duration validity) {
    if (validity.isNegative() || validity.isZero() || validity.compareTo(MAX_CRL_VALIDITY) > 0) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "the CRL validity must be positive and at most " + MAX_CRL_VALIDITY.toDays() + " days");
    }
    X509CRL current = currentCrl();
    X509CRL next = signCrl(entriesOf(current), crlNumber(current).add(BigInteger.ONE), validity);
    PemFiles.writeCrl(crlFile(), next);
    return next;
  }

  private X509CRL currentCrl() {
    X509CRL current = PemFiles.readCrl(crlFile());
    verifyCrl(current);
    return current;
  }

  private static List<Revocation> entriesOf(X509CRL crl) {
    List<Revocation> entries = new ArrayList<>();
    if (crl.getRevokedCertificates() != null) {
      for (X509CRLEntry e : crl.getRevokedCertificates()) {
        entries.add(
            new Revocation(e.getSerialNumber(), e.getRevocationDate().toInstant(), reasonOf(e)));
      }
    }
    return entries;
  }

  /** Checks the CRL's signature against this authority. */
  void verifyCrl(X509CRL crl) {
    try {
      crl.verify(certificate.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new SluiceException(
          ErrorCode.BAD_SIGNATURE, crlFile() + " is not signed by this authority");
    }
  }

  private void verifyIssuedHere(X509Certificate cert) {
    try {
      cert.verify(certificate.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "the certificate was not issued by this authority");
    }
  }

  private record Revocation(BigInteger serial, Instant date, int reason) {}

  private X509CRL signCrl(List<Revocation> entries, BigInteger number, Duration validity) {
    Instant now = clock.instant();
    try {
      X509v2CRLBuilder builder =
          new X509v2CRLBuilder(
              X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
              Date.from(now));
      builder.setNextUpdate(Date.from(now.plus(validity)));
      for (Revocation r : entries) {
        builder.addCRLEntry(r.serial(), Date.from(r.date()), r.reason());
      }
      builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
      builder.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
      X509CRLHolder holder = builder.build(signer(key));
      return new JcaX509CRLConverter().getCRL(holder);
    } catch (IOException | GeneralSecurityException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot sign the CRL", e);
    }
  }

  /** The CRL number extension of {@code crl} (0 when it has none). */
  public static BigInteger crlNumber(X509CRL crl) {
    byte[] ext = crl.getExtensionValue(Extension.cRLNumber.getId());
    if (ext == null) {
      return BigInteger.ZERO;
    }
    return ASN1Integer.getInstance(
            org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets())
        .getValue();
  }

  private static int reasonOf(X509CRLEntry entry) {
    return entry.getRevocationReason() == null
        ? CRLReason.unspecified
        : entry.getRevocationReason().ordinal();
  }

  /** Parses a reason name as {@code openssl ca -crl_reason} spells them. */
  public static int parseReason(String name) {
    if (name == null) {
      return CRLReason.unspecified;
    }
    return switch (name) {
      case "unspecified" -> CRLReason.unspecified;
      case "keyCompromise" -> CRLReason.keyCompromise;
      case "CACompromise" -> CRLReason.cACompromise;
      case "affiliationChanged" -> CRLReason.affiliationChanged;
      case "superseded" -> CRLReason.superseded;
      case "cessationOfOperation" -> CRLReason.cessationOfOperation;
      case "certificateHold" -> CRLReason.certificateHold;
      case "privilegeWithdrawn" -> CRLReason.privilegeWithdrawn;
      default ->
          throw new SluiceException(
              ErrorCode.INVALID_ARGUMENT,
              "unknown revocation reason '"
                  + name
                  + "' (unspecified, keyCompromise, CACompromise, affiliationChanged, superseded,"
                  + " cessationOfOperation, certificateHold, privilegeWithdrawn)");
    };
  }

  static void verifyCsr(PKCS10CertificationRequest csr) {
    SubjectPublicKeyInfo spki = csr.getSubjectPublicKeyInfo();
    boolean p256 =
        spki.getAlgorithm().getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)
            && X9ObjectIdentifiers.prime256v1.equals(spki.getAlgorithm().getParameters());
    if (!p256) {
      throw new SluiceException(
          ErrorCode.INVALID_CERTIFICATE_REQUEST, "the request's key is not an ECDSA P-256 key");
    }
    boolean valid;
    try {
      valid =
          csr.isSignatureValid(
              new JcaContentVerifierProviderBuilder()
                  .build(
                      new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter().getPublicKey(spki)));
    } catch (OperatorCreationException | PKCSException | IOException | RuntimeException e) {
      valid = false;
    }
    if (!valid) {
      throw new SluiceException(
          ErrorCode.INVALID_CERTIFICATE_REQUEST,
          "the request's signature does not verify (the CSR was altered or is corrupt)");
    }
  }

  static ContentSigner signer(PrivateKey key) {
    try {
      return new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(key);
    } catch (OperatorCreationException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot create a signer", e);
    }
  }

  static KeyPair newP256KeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot generate a P-256 key", e);
    }
  }

  /** A positive random 128-bit serial (RFC 5280 allows up to 20 octets). */
  static BigInteger newSerial() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    return new BigInteger(1, bytes);
  }

  static boolean matches(PrivateKey key, PublicKey pub) {
    if (!(key instanceof java.security.interfaces.ECPrivateKey ec)
        || !(pub instanceof ECPublicKey ecPub)) {
      return false;
    }
    org.bouncycastle.math.ec.ECPoint derived =
        org.bouncycastle.crypto.ec.CustomNamedCurves.getByName("secp256r1")
            .getG()
            .multiply(ec.getS())
            .normalize();
    return derived.getAffineXCoord().toBigInteger().equals(ecPub.getW().getAffineX())
        && derived.getAffineYCoord().toBigInteger().equals(ecPub.getW().getAffineY());
  }

  static String spaceOf(X509Certificate authority) {
    try {
      var sans = authority.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(GeneralName.uniformResourceIdentifier).equals(san.get(0))) {
            String uri = String.valueOf(san.get(1));
            if (uri.startsWith("sluice://")) {
              return ParticipantId.requireName("space", uri.substring("sluice://".length()));
            }
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      // fall through
    }
    throw new SluiceException(
        ErrorCode.INVALID_ARGUMENT,
        "the authority certificate names no data space (sluice://SPACE)");
  }
}
