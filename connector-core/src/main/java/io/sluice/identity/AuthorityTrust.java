package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a peer certificate belongs to this data space: issued by the one configured
 * authority (PKIX, at the injected clock's time), currently valid, not revoked by the authority's
 * CRL (the file is re-read whenever it changes, without a restart), not a CA, with exactly one URI
 * SAN naming a participant of this space, and with the extended key usage its side of the handshake
 * needs.
 *
 * <p>The reason for a refusal is reported to a {@link RefusalListener} for the operator; the peer
 * learns only that the handshake failed.
 */
public final class AuthorityTrust {
  private static final Logger log = LoggerFactory.getLogger(AuthorityTrust.class);
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  /** Which side of the handshake the peer is on. */
  public enum PeerRole {
    CLIENT,
    SERVER
  }

  /** Told about every refused peer, with the reason, for logs and the audit trail. */
  @FunctionalInterface
  public interface RefusalListener {
    void refused(String reason, X509Certificate leaf);

    RefusalListener LOG = (reason, leaf) -> log.warn("refused peer: {}", reason);
  }

  private final X509Certificate authority;
  private final String space;
  private final Path crlFile;
  private final Clock clock;
  private final TrustAnchor anchor;
  private volatile CrlSnapshot crl = CrlSnapshot.NONE;

  /** Certificates already inspected (bounded; least recently used evicted). */
  private final Map<java.nio.ByteBuffer, Inspected> inspected =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<java.nio.ByteBuffer, Inspected> eldest) {
          return size() > 4096;
        }
      };

  public AuthorityTrust(X509Certificate authority, Path crlFile, Clock clock) {
    this.authority = Objects.requireNonNull(authority);
    this.space = Authority.spaceOf(authority);
    this.crlFile = Objects.requireNonNull(crlFile);
    this.clock = Objects.requireNonNull(clock);
    this.anchor = new TrustAnchor(authority, null);
    if (authority.getBasicConstraints() < 0) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "the trusted authority certificate is not a CA");
    }
    refreshCrl();
    if (crl.number() == null) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          crlFile + ": no valid CRL signed by the authority (it is required to check revocation)");
    }
  }

  public static AuthorityTrust load(Path authorityCert, Path crlFile, Clock clock) {
    return new AuthorityTrust(PemFiles.readCertificate(authorityCert), crlFile, clock);
  }

  public X509Certificate authority() {
    return authority;
  }

  public String space() {
    return space;
  }

  /**
   * Verifies a peer's chain (leaf first) and returns the identity it proves.
   *
   * @throws SluiceException UNAUTHENTICATED with the precise reason (for the operator's log)
   */
  public PeerIdentity verify(X509Certificate[] chain, PeerRole role) {
    if (chain == null || chain.length == 0) {
      throw refusal("no certificate presented");
    }
    X509Certificate leaf = chain[0];
    Inspected inspected = inspect(leaf);
    Instant now = clock.instant();
    if (now.isAfter(inspected.notAfter())) {
      throw refusal("peer certificate expired at " + inspected.notAfter());
    }
    if (now.isBefore(inspected.notBefore())) {
      throw refusal("peer certificate is not valid before " + inspected.notBefore());
    }
    if (!(role == PeerRole.CLIENT ? inspected.clientAuth() : inspected.serverAuth())) {
      throw refusal(
          "peer certificate lacks the "
              + (role == PeerRole.CLIENT ? "clientAuth" : "serverAuth")
              + " extended key usage");
    }
    PeerIdentity identity = inspected.identity();
    if (isRevoked(leaf)) {
      throw refusal(
          "certificate of "
              + identity.participant()
              + " (serial "
              + leaf.getSerialNumber().toString(16)
              + ") is revoked");
    }
    return identity;
  }

  /**
   * What does not change for a given certificate: that it chains to the authority (checked with the
   * JDK's PKIX validator), is not a CA, may sign, names one participant of this space, and which
   * extended key usages it has. Cached by the certificate's bytes, because verifying the
   * authority's signature is the expensive part and the same few certificates come back on every
   * handshake and agreement check; time validity and revocation are checked on every call.
   */
  private Inspected inspect(X509Certificate leaf) {
    java.nio.ByteBuffer key;
    try {
      key = java.nio.ByteBuffer.wrap(leaf.getEncoded());
    } catch (java.security.cert.CertificateEncodingException e) {
      throw refusal("unreadable certificate");
    }
    Inspected cached;
    synchronized (inspected) {
      cached = inspected.get(key);
    }
    if (cached != null) {
      return cached;
    }
    try {
      CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
      PKIXParameters params = new PKIXParameters(Set.of(anchor));
      params.setRevocationEnabled(false);
      params.setDate(Date.from(clock.instant()));
      CertPathValidator.getInstance("PKIX").validate(path, params);
    } catch (CertPathValidatorException e) {
      throw refusal(describe(e, leaf));
    } catch (GeneralSecurityException e) {
      throw refusal("certificate path cannot be validated");
    }
    if (leaf.getBasicConstraints() >= 0) {
      throw refusal("peer certificate is a CA certificate");
    }
    boolean[] keyUsage = leaf.getKeyUsage();
    if (keyUsage == null || !keyUsage[0]) {
      throw refusal("peer certificate lacks the digitalSignature key usage");
    }
    List<String> eku;
    try {
      eku = leaf.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw refusal("unreadable extended key usage");
    }
    PeerIdentity identity;
    try {
      identity = PeerIdentity.fromCertificate(leaf);
    } catch (SluiceException e) {
      throw refusal(e.getMessage());
    }
    if (!identity.space().equals(space)) {
      throw refusal("peer belongs to data space '" + identity.space() + "', not '" + space + "'");
    }
    Instant authorityEnd = authority.getNotAfter().toInstant();
    Inspected result =
        new Inspected(
            identity,
            eku != null && eku.contains(CLIENT_AUTH),
            eku != null && eku.contains(SERVER_AUTH),
            leaf.getNotBefore().toInstant(),
            leaf.getNotAfter().toInstant().isAfter(authorityEnd)
                ? authorityEnd
                : leaf.getNotAfter().toInstant());
    synchronized (inspected) {
      inspected.put(key, result);
    }
    return result;
  }

  private record Inspected(
      PeerIdentity identity,
      boolean clientAuth,
      boolean serverAuth,
      Instant notBefore,
      Instant notAfter) {}

  /** True when the current CRL (re-read if the file changed) lists the certificate. */
  public boolean isRevoked(X509Certificate cert) {
    refreshCrl();
    CrlSnapshot snapshot = crl;
    return snapshot.failClosed || snapshot.revoked.contains(cert.getSerialNumber());
  }

  /**
   * A JSSE trust manager that applies {@link #verify}. For a client, {@code expectedServer} names
   * the participant the server must prove to be (null accepts any participant of the space).
   */
  public X509ExtendedTrustManager trustManager(String expectedServer, RefusalListener listener) {
    return new TrustManager(expectedServer, listener);
  }

  private SluiceException refusal(String reason) {
    return new SluiceException(ErrorCode.UNAUTHENTICATED, reason);
  }

  private static String describe(CertPathValidatorException e, X509Certificate leaf) {
    var reason = e.getReason();
    if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
      return "peer certificate expired at " + leaf.getNotAfter().toInstant();
    }
    if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
      return "peer certificate is not valid before " + leaf.getNotBefore().toInstant();
    }
    if (reason == CertPathValidatorException.BasicReason.INVALID_SIGNATURE) {
      return "peer certificate signature does not verify against the authority";
    }
    if (reason == java.security.cert.PKIXReason.NO_TRUST_ANCHOR) {
      return "peer certificate was not issued by this data space's authority ("
          + leaf.getIssuerX500Principal().getName()
          + ")";
    }
    return "peer certificate path is invalid (" + reason + ")";
  }

  private void refreshCrl() {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(crlFile, BasicFileAttributes.class);
    } catch (IOException e) {
      if (crl.stamp != null) {
        log.warn("CRL {} is unreadable; keeping the last valid one", crlFile);
      }
      return;
    }
    FileStamp stamp =
        new FileStamp(
            attributes.fileKey(), attributes.lastModifiedTime().toMillis(), attributes.size());
    if (stamp.equals(crl.stamp)) {
      return;
    }
    synchronized (this) {
      if (stamp.equals(crl.stamp)) {
        return;
      }
      try {
        X509CRL loaded = PemFiles.readCrl(crlFile);
        loaded.verify(authority.getPublicKey());
        if (!loaded.getIssuerX500Principal().equals(authority.getSubjectX500Principal())) {
          throw new GeneralSecurityException("issuer mismatch");
        }
        BigInteger number = Authority.crlNumber(loaded);
        if (crl.number != null && number.compareTo(crl.number) < 0) {
          log.warn(
              "CRL {} has number {} below the {} already seen; ignoring it (rollback?)",
              crlFile,
              number,
              crl.number);
          crl = crl.withStamp(stamp);
          return;
        }
        Set<BigInteger> revoked = new HashSet<>();
        Set<? extends X509CRLEntry> entries = loaded.getRevokedCertificates();
        if (entries != null) {
          for (X509CRLEntry entry : entries) {
            revoked.add(entry.getSerialNumber());
          }
        }
        Date next = loaded.getNextUpdate();
        if (next != null && next.toInstant().isBefore(clock.instant())) {
          log.warn(
              "CRL {} is past its next update ({}); ask the authority for a fresh one",
              crlFile,
              next.toInstant());
        }
        crl = new CrlSnapshot(stamp, number, Set.copyOf(revoked), false);
        log.debug("loaded CRL {} (number {}, {} revoked)", crlFile, number, revoked.size());
      } catch (SluiceException | GeneralSecurityException e) {
        log.warn("CRL {} is not a valid CRL of the authority; keeping the last valid one", crlFile);
        crl = crl.withStamp(stamp);
      }
    }
  }

  private record FileStamp(Object fileKey, long modified, long size) {}

  private record CrlSnapshot(
      FileStamp stamp, BigInteger number, Set<BigInteger> revoked, boolean failClosed) {
    static final CrlSnapshot NONE = new CrlSnapshot(null, null, Set.of(), true);

    CrlSnapshot withStamp(FileStamp newStamp) {
      return new CrlSnapshot(newStamp, number, revoked, failClosed);
    }
  }

  private final class TrustManager extends X509ExtendedTrustManager {
    private final String expectedServer;
    private final RefusalListener listener;

    TrustManager(String expectedServer, RefusalListener listener) {
      this.expectedServer = expectedServer;
      this.listener = listener;
    }

    private void check(X509Certificate[] chain, PeerRole role) throws CertificateException {
      try {
        PeerIdentity identity = verify(chain, role);
        if (role == PeerRole.SERVER
            && expectedServer != null
            && !expectedServer.equals(identity.participant())) {
          throw refusal(
              "expected to reach participant '"
                  + expectedServer
                  + "' but the server is '"
                  + identity.participant()
                  + "'");
        }
      } catch (SluiceException e) {
        listener.refused(e.getMessage(), chain == null || chain.length == 0 ? null : chain[0]);
        throw new CertificateException("peer certificate refused");
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      check(chain, PeerRole.CLIENT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      check(chain, PeerRole.SERVER);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      check(chain, PeerRole.CLIENT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      check(chain, PeerRole.SERVER);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      check(chain, PeerRole.CLIENT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      check(chain, PeerRole.SERVER);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[] {authority};
    }
  }
}
