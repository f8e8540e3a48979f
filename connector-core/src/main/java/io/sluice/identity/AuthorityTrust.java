package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
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
 * authority (PKIX), valid now, not revoked by the authority's CRL (re-read whenever the file
 * changes, without a restart), not a CA, with exactly one URI SAN naming a participant of this
 * space, and with the extended key usage its side of the handshake needs.
 *
 * <p>Revocation is only as good as the CRL: once the CRL in force is past its nextUpdate plus the
 * grace ({@link CrlStatus}), every check fails with {@code CRL_EXPIRED} until a fresh CRL is in
 * place. A CRL file that is deleted, garbled, forged or rolled back never extends the one in force.
 *
 * <p>The reason for a refusal is reported to a {@link RefusalListener} for the operator; the peer
 * learns only that the handshake failed.
 */
public final class AuthorityTrust {
  private static final Logger log = LoggerFactory.getLogger(AuthorityTrust.class);
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  /** How long after its nextUpdate a CRL is still trusted unless configured otherwise. */
  public static final Duration DEFAULT_CRL_GRACE = Duration.ofHours(1);

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
  private final Clock clock;
  private final TrustAnchor anchor;
  private final CrlFile crl;

  /** Certificates already inspected (bounded; least recently used evicted). */
  private final Map<ByteBuffer, Inspected> inspected =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Inspected> eldest) {
          return size() > 4096;
        }
      };

  public AuthorityTrust(X509Certificate authority, Path crlFile, Clock clock) {
    this(authority, crlFile, clock, DEFAULT_CRL_GRACE);
  }

  /**
   * @param crlGrace how long after the CRL's nextUpdate it is still trusted (zero allowed)
   * @throws SluiceException INVALID_ARGUMENT when the authority is not a CA or the file holds no
   *     valid CRL of it
   */
  public AuthorityTrust(X509Certificate authority, Path crlFile, Clock clock, Duration crlGrace) {
    this.authority = Objects.requireNonNull(authority);
    this.space = Authority.spaceOf(authority);
    this.clock = Objects.requireNonNull(clock);
    this.anchor = new TrustAnchor(authority, null);
    if (authority.getBasicConstraints() < 0) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "the trusted authority certificate is not a CA");
    }
    this.crl = new CrlFile(crlFile, authority, crlGrace, clock);
  }

  public static AuthorityTrust load(Path authorityCert, Path crlFile, Clock clock) {
    return load(authorityCert, crlFile, clock, DEFAULT_CRL_GRACE);
  }

  public static AuthorityTrust load(
      Path authorityCert, Path crlFile, Clock clock, Duration crlGrace) {
    return new AuthorityTrust(PemFiles.readCertificate(authorityCert), crlFile, clock, crlGrace);
  }

  public X509Certificate authority() {
    return authority;
  }

  public String space() {
    return space;
  }

  /** Where the CRL in force stands now (the file is re-read first if it changed). */
  public CrlStatus crlStatus() {
    return crl.status();
  }

  /**
   * Verifies a peer's chain (leaf first) and returns the identity it proves.
   *
   * @throws SluiceException UNAUTHENTICATED with the precise reason (for the operator's log), or
   *     CRL_EXPIRED when revocation cannot be checked
   */
  public PeerIdentity verify(X509Certificate[] chain, PeerRole role) {
    if (chain == null || chain.length == 0) {
      throw refusal("no certificate presented");
    }
    CrlFile.Snapshot revocations = requireUsableCrl();
    X509Certificate leaf = chain[0];
    Inspected inspected = inspect(leaf);
    requireValidAt(inspected, clock.instant());
    requireUsage(inspected, role);
    if (revocations.revoked().containsKey(leaf.getSerialNumber())) {
      throw refusal(revokedMessage(inspected.identity(), leaf, revocations));
    }
    return inspected.identity();
  }

  /**
   * Verifies the certificate that signed an agreement made at {@code signedAt}: issued by this
   * authority to a participant of this space, valid <em>at that time</em>, and not revoked now. An
   * expired certificate still stands behind what it signed while it was valid (a renewed node keeps
   * its agreements); a revoked one does not, except a certificate revoked as {@code superseded}
   * after the agreement was made (RFC 5280: replaced, not compromised).
   *
   * @throws SluiceException UNAUTHENTICATED with the reason, or CRL_EXPIRED
   */
  public PeerIdentity verifySigner(X509Certificate cert, Instant signedAt) {
    CrlFile.Snapshot revocations = requireUsableCrl();
    Inspected inspected = inspect(cert);
    if (signedAt.isBefore(inspected.notBefore()) || signedAt.isAfter(inspected.notAfter())) {
      throw refusal(
          "the certificate of "
              + inspected.identity().participant()
              + " (serial "
              + cert.getSerialNumber().toString(16)
              + ") was not valid at "
              + signedAt
              + " (valid "
              + inspected.notBefore()
              + " to "
              + inspected.notAfter()
              + ")");
    }
    requireUsage(inspected, PeerRole.CLIENT);
    CrlFile.Revocation revocation = revocations.revoked().get(cert.getSerialNumber());
    boolean replacedLater =
        revocation != null
            && revocation.reason() == java.security.cert.CRLReason.SUPERSEDED
            && revocation.date().isAfter(signedAt);
    if (revocation != null && !replacedLater) {
      throw refusal(revokedMessage(inspected.identity(), cert, revocations));
    }
    return inspected.identity();
  }

  /**
   * A node's own certificate at start: as {@link #verify} for both roles, except that a CRL past
   * its grace does not stop the node from starting (it then refuses every peer until the CRL is
   * fresh); a revocation the CRL in force lists still does.
   */
  PeerIdentity verifyOwn(X509Certificate cert) {
    Inspected inspected = inspect(cert);
    requireValidAt(inspected, clock.instant());
    requireUsage(inspected, PeerRole.CLIENT);
    requireUsage(inspected, PeerRole.SERVER);
    CrlFile.Snapshot revocations = crl.current();
    if (revocations.revoked().containsKey(cert.getSerialNumber())) {
      throw refusal(revokedMessage(inspected.identity(), cert, revocations));
    }
    return inspected.identity();
  }

  /**
   * Whether this authority issued {@code cert} to {@code participant} (its signature and its one
   * URI SAN), at any time and whatever its state now: for certificates a node had before, whose
   * signatures on old records still count.
   */
  public boolean issuedTo(X509Certificate cert, String participant) {
    try {
      cert.verify(authority.getPublicKey());
      ParticipantId id = PeerIdentity.participantUri(cert);
      return id.space().equals(space) && id.participant().equals(participant);
    } catch (GeneralSecurityException | SluiceException e) {
      return false;
    }
  }

  private CrlFile.Snapshot requireUsableCrl() {
    CrlFile.Snapshot snapshot = crl.current();
    CrlStatus status = crl.statusOf(snapshot);
    if (!status.usable()) {
      throw new SluiceException(ErrorCode.CRL_EXPIRED, status.describe());
    }
    return snapshot;
  }

  private void requireValidAt(Inspected inspected, Instant now) {
    if (now.isAfter(inspected.notAfter())) {
      throw refusal("peer certificate expired at " + inspected.notAfter());
    }
    if (now.isBefore(inspected.notBefore())) {
      throw refusal("peer certificate is not valid before " + inspected.notBefore());
    }
  }

  private void requireUsage(Inspected inspected, PeerRole role) {
    if (!(role == PeerRole.CLIENT ? inspected.clientAuth() : inspected.serverAuth())) {
      throw refusal(
          "peer certificate lacks the "
              + (role == PeerRole.CLIENT ? "clientAuth" : "serverAuth")
              + " extended key usage");
    }
  }

  private static String revokedMessage(
      PeerIdentity identity, X509Certificate cert, CrlFile.Snapshot revocations) {
    CrlFile.Revocation r = revocations.revoked().get(cert.getSerialNumber());
    return "certificate of "
        + identity.participant()
        + " (serial "
        + cert.getSerialNumber().toString(16)
        + ") is revoked ("
        + r.reason().name().toLowerCase(java.util.Locale.ROOT)
        + ", "
        + r.date()
        + ", CRL number "
        + revocations.number()
        + ")";
  }

  /**
   * What does not change for a given certificate: that it chains to the authority (checked with the
   * JDK's PKIX validator at the start of its validity), is not a CA, may sign, names one
   * participant of this space, which extended key usages it has, and when it is valid (within the
   * authority's validity). Cached by the certificate's bytes, because verifying the authority's
   * signature is the expensive part and the same few certificates come back on every handshake and
   * agreement check; time validity and revocation are checked on every call.
   */
  private Inspected inspect(X509Certificate leaf) {
    ByteBuffer key;
    try {
      key = ByteBuffer.wrap(leaf.getEncoded());
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
    Inspected result = inspectUncached(leaf);
    synchronized (inspected) {
      inspected.put(key, result);
    }
    return result;
  }

  private Inspected inspectUncached(X509Certificate leaf) {
    // PKIX does not look at the trust anchor's own validity; the leaf's start is inside its own.
    Instant notBefore = leaf.getNotBefore().toInstant();
    Instant notAfter = earlier(leaf.getNotAfter(), authority.getNotAfter());
    validatePath(leaf, notBefore);
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
    return new Inspected(
        identity,
        eku != null && eku.contains(CLIENT_AUTH),
        eku != null && eku.contains(SERVER_AUTH),
        notBefore,
        notAfter);
  }

  /** PKIX to the one trust anchor, without revocation (the CRL is ours to check), at {@code at}. */
  private void validatePath(X509Certificate leaf, Instant at) {
    try {
      CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
      PKIXParameters params = new PKIXParameters(Set.of(anchor));
      params.setRevocationEnabled(false);
      params.setDate(Date.from(at));
      CertPathValidator.getInstance("PKIX").validate(path, params);
    } catch (CertPathValidatorException e) {
      throw refusal(describe(e, leaf));
    } catch (GeneralSecurityException e) {
      throw refusal("certificate path cannot be validated");
    }
  }

  private static Instant earlier(Date a, Date b) {
    return a.before(b) ? a.toInstant() : b.toInstant();
  }

  private record Inspected(
      PeerIdentity identity,
      boolean clientAuth,
      boolean serverAuth,
      Instant notBefore,
      Instant notAfter) {}

  /** True when the CRL in force lists the certificate, or when no CRL can be trusted now. */
  public boolean isRevoked(X509Certificate cert) {
    CrlFile.Snapshot snapshot = crl.current();
    return !crl.statusOf(snapshot).usable()
        || snapshot.revoked().containsKey(cert.getSerialNumber());
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
