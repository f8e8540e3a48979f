package io.sluice.node.audit;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Fetches a trace's entries from one node and checks them: the tree head is signed by that node's
 * authority-issued certificate, and every entry is included in the tree the head commits to. Only
 * what passes is trusted; problems are reported with the node, not thrown.
 */
public final class RemoteAuditReader {
  private final AuthorityTrust trust;
  private final long deadlineMillis;

  public RemoteAuditReader(AuthorityTrust trust, long deadlineMillis) {
    this.trust = trust;
    this.deadlineMillis = deadlineMillis;
  }

  /** The node's entries of {@code traceId}, with whether their proofs verified. */
  public NodeTrace trace(String participant, ManagedChannel channel, String traceId) {
    EntriesResponse response;
    try {
      response =
          AuditServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
              .entries(EntriesRequest.newBuilder().setTraceId(traceId).build());
    } catch (StatusRuntimeException e) {
      SluiceException typed = StatusMapping.fromStatus(e, participant);
      return new NodeTrace(participant, List.of(), false, typed.getMessage());
    }
    return check(participant, response);
  }

  NodeTrace check(String participant, EntriesResponse response) {
    List<String> problems = new ArrayList<>();
    X509Certificate cert;
    try {
      cert =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(
                      new ByteArrayInputStream(response.getSignerCertificate().toByteArray()));
    } catch (Exception e) {
      return new NodeTrace(
          participant, List.of(), false, participant + " sent an unreadable certificate");
    }
    try {
      PeerIdentity id = trust.verify(new X509Certificate[] {cert}, AuthorityTrust.PeerRole.SERVER);
      if (!id.participant().equals(participant)) {
        problems.add("the audit log is signed by " + id.participant() + ", not " + participant);
      }
    } catch (SluiceException e) {
      problems.add("the signer certificate is not acceptable: " + e.getMessage());
    }
    var h = response.getHead();
    TreeHead head;
    try {
      head =
          new TreeHead(
              h.getTreeSize(), h.getRootHash().toByteArray(), Instant.ofEpochMilli(h.getTimeMs()));
    } catch (SluiceException e) {
      return new NodeTrace(
          participant, List.of(), false, participant + " sent a malformed tree head");
    }
    SignedTreeHead signed =
        new SignedTreeHead(head, h.getSignature().toByteArray(), h.getSignerFingerprint());
    if (!signed.verify(cert)) {
      problems.add("the tree head's signature does not verify");
    }
    TreeHasher hasher = new TreeHasher();
    List<AuditEntry> entries = new ArrayList<>();
    for (AuditLeaf leaf : response.getEntriesList()) {
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
    return new NodeTrace(participant, entries, problems.isEmpty(), String.join("; ", problems));
  }
}
