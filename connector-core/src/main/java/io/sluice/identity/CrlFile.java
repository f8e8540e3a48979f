package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.cert.CRLReason;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authority's CRL file as this node last accepted it. The file is re-read whenever it changes
 * (inode, modification time or size), without a restart. A replacement is accepted only if the
 * authority signed it, it has a nextUpdate, and its CRL number is not below the one in force;
 * anything else (garbage, a forgery, an older CRL put back, a deleted file) leaves the CRL in force
 * as it was. None of those can extend it: its own nextUpdate and the grace still decide when it
 * stops being trusted ({@link CrlStatus}).
 */
final class CrlFile {
  private static final Logger log = LoggerFactory.getLogger(CrlFile.class);

  /** A revoked certificate: when and why (RFC 5280 reason, unspecified when absent). */
  record Revocation(Instant date, CRLReason reason) {}

  /** The CRL in force and what is wrong with the file now, if anything. */
  record Snapshot(
      FileStamp stamp,
      BigInteger number,
      Instant nextUpdate,
      Map<BigInteger, Revocation> revoked,
      String problem) {

    Snapshot withFile(FileStamp newStamp, String newProblem) {
      return new Snapshot(newStamp, number, nextUpdate, revoked, newProblem);
    }
  }

  private record FileStamp(Object fileKey, long modified, long size) {}

  private static final String MISSING = "is missing or unreadable";

  private final Path file;
  private final X509Certificate authority;
  private final Duration grace;
  private final Clock clock;
  private volatile Snapshot snapshot;

  /**
   * Reads the file once.
   *
   * @throws SluiceException INVALID_ARGUMENT if it holds no valid CRL of the authority (a node
   *     cannot start without one)
   */
  CrlFile(Path file, X509Certificate authority, Duration grace, Clock clock) {
    this.file = Objects.requireNonNull(file);
    this.authority = Objects.requireNonNull(authority);
    this.grace = Objects.requireNonNull(grace);
    this.clock = Objects.requireNonNull(clock);
    if (grace.isNegative()) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "the CRL grace must not be negative");
    }
    FileStamp stamp = stamp();
    Snapshot first = stamp == null ? null : read(stamp, null);
    if (first == null || first.number() == null) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          file
              + ": no valid CRL signed by the authority (it is required to check revocation"
              + (first == null ? ")" : "; the file " + first.problem() + ")"));
    }
    snapshot = first;
  }

  /** The CRL in force, after re-reading the file if it changed. */
  Snapshot current() {
    refresh();
    return snapshot;
  }

  /** Where the CRL in force stands now. */
  CrlStatus status() {
    return statusOf(current());
  }

  /** Where {@code s} stands now. */
  CrlStatus statusOf(Snapshot s) {
    return new CrlStatus(
        file, s.number(), s.nextUpdate(), grace, Optional.ofNullable(s.problem()), clock.instant());
  }

  private void refresh() {
    FileStamp stamp = stamp();
    Snapshot s = snapshot;
    if (stamp == null ? MISSING.equals(s.problem()) : stamp.equals(s.stamp())) {
      return;
    }
    synchronized (this) {
      s = snapshot;
      if (stamp == null) {
        if (!MISSING.equals(s.problem())) {
          log.warn("CRL {} {}; keeping CRL number {} until it expires", file, MISSING, s.number());
          snapshot = s.withFile(null, MISSING);
        }
        return;
      }
      if (!stamp.equals(s.stamp())) {
        snapshot = read(stamp, s);
      }
    }
  }

  /** The file's content as the new snapshot, or {@code last} with the reason it was not taken. */
  private Snapshot read(FileStamp stamp, Snapshot last) {
    X509CRL crl;
    try {
      crl = PemFiles.readCrl(file);
      crl.verify(authority.getPublicKey());
      if (!crl.getIssuerX500Principal().equals(authority.getSubjectX500Principal())) {
        throw new GeneralSecurityException("issuer mismatch");
      }
    } catch (SluiceException | GeneralSecurityException e) {
      return rejected(stamp, last, "is not a valid CRL signed by the authority");
    }
    if (crl.getNextUpdate() == null) {
      return rejected(stamp, last, "has no nextUpdate, so it could never be known to be stale");
    }
    BigInteger number = Authority.crlNumber(crl);
    if (last != null && number.compareTo(last.number()) < 0) {
      return rejected(
          stamp,
          last,
          "has CRL number " + number + ", below the " + last.number() + " in force (rolled back?)");
    }
    Map<BigInteger, Revocation> revoked = new HashMap<>();
    if (crl.getRevokedCertificates() != null) {
      for (X509CRLEntry entry : crl.getRevokedCertificates()) {
        revoked.put(entry.getSerialNumber(), revocation(entry));
      }
    }
    Instant next = crl.getNextUpdate().toInstant();
    log.info(
        "loaded CRL {} (number {}, {} revoked, next update {})",
        file,
        number,
        revoked.size(),
        next);
    return new Snapshot(stamp, number, next, Map.copyOf(revoked), null);
  }

  private Snapshot rejected(FileStamp stamp, Snapshot last, String problem) {
    if (last == null) {
      return new Snapshot(stamp, null, null, Map.of(), problem);
    }
    log.warn("CRL {} {}; keeping CRL number {} until it expires", file, problem, last.number());
    return last.withFile(stamp, problem);
  }

  private static Revocation revocation(X509CRLEntry entry) {
    CRLReason reason = entry.getRevocationReason();
    return new Revocation(
        entry.getRevocationDate().toInstant(), reason == null ? CRLReason.UNSPECIFIED : reason);
  }

  /** The file's identity and version, or null when it cannot be read. */
  private FileStamp stamp() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      if (!a.isRegularFile()) {
        return null;
      }
      return new FileStamp(a.fileKey(), a.lastModifiedTime().toMillis(), a.size());
    } catch (IOException e) {
      return null;
    }
  }
}
