package io.sluice.node.audit;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.SignedTreeHead;
import io.sluice.audit.merkle.MerkleVerifier;
import io.sluice.audit.merkle.TreeHasher;
import io.sluice.audit.merkle.TreeHead;
import io.sluice.audit.trace.NodeTrace;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.PeerIdentity;
import io.sluice.node.grpc.StatusMapping;
import io.sluice.proto.v1.AuditLeaf;
import io.sluice.proto.v1.AuditServiceGrpc;
import io.sluice.proto.v1.EntriesRequest;
import io.sluice.proto.v1.EntriesResponse;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Fetches a trace's entries from one node and checks them: the tree head is signed by that node's
 * authority-issued certificate, and every entry is included in the tree the head commits to. Only
 * what passes is trusted; problems are reported with the node, not thrown.
 *
 * <p>A node hands a counterparty only the head its log last signed on its schedule. When that head
 * does not cover the whole trace yet, the node says how many entries are pending and when its next
 * head is due, and the reader asks again then, up to the wait it was given.
 */
public final class RemoteAuditReader {
  private final AuthorityTrust trust;
  private final long deadlineMillis;

  public RemoteAuditReader(AuthorityTrust trust, long deadlineMillis) {
    this.trust = trust;
    this.deadlineMillis = deadlineMillis;
  }

  /**
   * What one node returned: its entries with the verdict, and the signed head they were proven
   * against with its certificate (absent when the node gave none).
   *
   * @param headSigned whether the head's signature verified with a certificate of that node
   */
  public record Fetched(
      NodeTrace trace, Optional<SignedTreeHead> head, ByteString certificate, boolean headSigned) {}

  /** The node's entries of {@code traceId}, with whether their proofs verified; no waiting. */
  public NodeTrace trace(String participant, ManagedChannel channel, String traceId) {
    return fetch(participant, channel, traceId, Duration.ZERO).trace();
  }

  /**
   * The node's entries of {@code traceId}; waits (at most {@code wait}) for the node's next
   * scheduled head while its latest does not cover all of them.
   */
  public Fetched fetch(String participant, ManagedChannel channel, String traceId, Duration wait) {
    long until = System.nanoTime() + wait.toNanos();
    EntriesResponse response;
    while (true) {
      try {
        response =
            AuditServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .entries(EntriesRequest.newBuilder().setTraceId(traceId).build());
      } catch (StatusRuntimeException e) {
        SluiceException typed = StatusMapping.fromStatus(e, participant);
        return new Fetched(
            new NodeTrace(participant, List.of(), false, typed.getMessage()),
            Optional.empty(),
            ByteString.EMPTY,
            false);
      }
      if (response.getPending() == 0 || !waitForNextHead(response.getNextHeadMs(), until)) {
        break;
      }
    }
    return check(participant, response);
  }

  /** Sleeps until the node's next head is due, if that is before {@code until}; false if not. */
  private static boolean waitForNextHead(long dueMillis, long until) {
    long now = System.nanoTime();
    long sleep = Math.max(200, dueMillis - System.currentTimeMillis());
    if (now + TimeUnit.MILLISECONDS.toNanos(sleep) > until) {
      return false;
    }
    try {
      Thread.sleep(sleep);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  Fetched check(String participant, EntriesResponse response) {
    if (!response.hasHead()) {
      return new Fetched(
          NodeTrace.unverified(
              participant,
              List.of(),
              participant
                  + " has signed no head of its audit log yet"
                  + pendingNote(response.getPending())),
          Optional.empty(),
          ByteString.EMPTY,
          false);
    }
    List<String> problems = new ArrayList<>();
    X509Certificate cert;
    try {
      cert =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(
                      new ByteArrayInputStream(response.getSignerCertificate().toByteArray()));
    } catch (Exception e) {
      return unreadable(participant, participant + " sent an unreadable certificate");
    }
    boolean trusted = true;
    try {
      PeerIdentity id = trust.verify(new X509Certificate[] {cert}, AuthorityTrust.PeerRole.SERVER);
      if (!id.participant().equals(participant)) {
        problems.add("the audit log is signed by " + id.participant() + ", not " + participant);
        trusted = false;
      }
    } catch (SluiceException e) {
      problems.add("the signer certificate is not acceptable: " + e.getMessage());
      trusted = false;
    }
    SignedTreeHead signed;
    try {
      signed = SignedHeads.fromProto(response.getHead());
    } catch (SluiceException e) {
      return unreadable(participant, participant + " sent a malformed tree head");
    }
    boolean signatureOk = signed.verify(cert);
    if (!signatureOk) {
      problems.add("the tree head's signature does not verify");
    }
    List<AuditEntry> entries = included(response.getEntriesList(), signed.head(), problems);
    if (response.getPending() > 0) {
      problems.add(
          response.getPending()
              + " entries of the trace are after "
              + participant
              + "'s latest signed head (size "
              + signed.head().size()
              + ") and could not be proven"
              + pendingNote(0));
    }
    return new Fetched(
        new NodeTrace(participant, entries, problems.isEmpty(), String.join("; ", problems)),
        Optional.of(signed),
        response.getSignerCertificate(),
        trusted && signatureOk);
  }

  private static List<AuditEntry> included(
      List<AuditLeaf> leaves, TreeHead head, List<String> problems) {
    TreeHasher hasher = new TreeHasher();
    List<AuditEntry> entries = new ArrayList<>();
    for (AuditLeaf leaf : leaves) {
      byte[] bytes = leaf.getLeaf().toByteArray();
      List<byte[]> proof = leaf.getInclusionProofList().stream().map(b -> b.toByteArray()).toList();
      AuditEntry entry;
      try {
        entry = AuditEntry.decode(bytes);
      } catch (SluiceException e) {
        problems.add("entry " + leaf.getSequence() + " is malformed");
        continue;
      }
      if (entry.sequence() != leaf.getSequence()
          || !MerkleVerifier.verifyInclusion(
              entry.sequence(), hasher.hashLeaf(bytes), proof, head)) {
        problems.add(
            "entry "
                + leaf.getSequence()
                + " is not included in the signed tree of size "
                + head.size());
        continue;
      }
      entries.add(entry);
    }
    return entries;
  }

  private static String pendingNote(long pending) {
    return (pending > 0 ? " (" + pending + " entries of the trace wait for one)" : "")
        + "; its heads are signed on a schedule: ask again later, or wait longer (--wait)";
  }

  private static Fetched unreadable(String participant, String why) {
    return new Fetched(
        new NodeTrace(participant, List.of(), false, why),
        Optional.empty(),
        ByteString.EMPTY,
        false);
  }
}
