package io.sluice.identity;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * An authority for tests: unencrypted key (fast), helpers to enrol participants in memory, and a
 * way to forge certificates the real authority would never issue (two URI SANs, CA-flagged leaves,
 * odd validity) — signed with the real authority key, so only our checks can catch them.
 */
public final class TestAuthority {
  public final Path dir;
  public final Authority authority;
  public final PrivateKey key;

  private TestAuthority(Path dir, Authority authority, PrivateKey key) {
    this.dir = dir;
    this.authority = authority;
    this.key = key;
  }

  public static TestAuthority create(Path dir, String space) {
    return create(dir, space, Clock.systemUTC());
  }

  public static TestAuthority create(Path dir, String space, Clock clock) {
    Authority authority = Authority.init(dir, space, null, null, clock);
    PrivateKey key = PemFiles.readPrivateKey(dir.resolve(Authority.KEY_FILE), null);
    return new TestAuthority(dir, authority, key);
  }

  public AuthorityTrust trust() {
    return new AuthorityTrust(authority.certificate(), authority.crlFile(), Clock.systemUTC());
  }

  /** A participant's key and certificate, issued normally. */
  public record Issued(PrivateKey key, X509Certificate certificate) {
    public NodeCredentials credentials(AuthorityTrust trust) {
      return NodeCredentials.of(
          key, certificate, trust, PeerIdentity.fromCertificate(certificate).participant());
    }
  }

  public Issued issue(String participant, List<String> roles, Map<String, String> attributes) {
    return issue(participant, roles, attributes, authority, Duration.ofDays(30));
  }

  /** Issues through {@code issuer} (e.g. an authority loaded with a fake clock). */
  public static Issued issue(
      String participant,
      List<String> roles,
      Map<String, String> attributes,
      Authority issuer,
      Duration validity) {
    KeyPair pair = Authority.newP256KeyPair();
    var csr =
        new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new X500Name("CN=" + participant + ",O=Test Org " + participant), pair.getPublic())
            .build(Authority.signer(pair.getPrivate()));
    return new Issued(pair.getPrivate(), issuer.issue(csr, roles, attributes, validity));
  }

  /** Writes an issued key (plain) and certificate into {@code dir} as node.key / node.crt. */
  public static void write(Issued issued, Path dir) {
    PemFiles.writePrivateKey(dir.resolve(NodeEnrollment.KEY_FILE), issued.key(), null);
    PemFiles.writeCertificate(dir.resolve(NodeEnrollment.CERT_FILE), issued.certificate());
  }

  /** What a forged certificate should look like. */
  public record Forgery(List<String> uris, boolean ca, Instant notBefore, Instant notAfter) {
    public static Forgery twoUris(String space) {
      Instant now = Instant.now();
      return new Forgery(
          List.of("sluice://" + space + "/alice", "sluice://" + space + "/bob"),
          false,
          now.minusSeconds(60),
          now.plus(Duration.ofDays(1)));
    }

    public static Forgery caLeaf(String space) {
      Instant now = Instant.now();
      return new Forgery(
          List.of("sluice://" + space + "/mallory"),
          true,
          now.minusSeconds(60),
          now.plus(Duration.ofDays(1)));
    }
  }

  /** A certificate signed by this authority's key that the authority itself would never issue. */
  public Issued forge(Forgery forgery) {
    KeyPair pair = Authority.newP256KeyPair();
    try {
      GeneralName[] names =
          forgery.uris().stream()
              .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u))
              .toArray(GeneralName[]::new);
      var builder =
          new JcaX509v3CertificateBuilder(
                  authority.certificate(),
                  BigInteger.valueOf(System.nanoTime()),
                  Date.from(forgery.notBefore()),
                  Date.from(forgery.notAfter()),
                  new X500Name("CN=forged"),
                  pair.getPublic())
              .addExtension(
                  Extension.basicConstraints,
                  true,
                  forgery.ca() ? new BasicConstraints(0) : new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(
                      KeyUsage.digitalSignature | (forgery.ca() ? KeyUsage.keyCertSign : 0)))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      X509Certificate cert = PemFiles.toCertificate(builder.build(Authority.signer(key)), "forged");
      return new Issued(pair.getPrivate(), cert);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
