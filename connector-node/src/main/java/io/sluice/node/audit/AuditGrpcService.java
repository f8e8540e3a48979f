package io.sluice.node.audit;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditLog;
import io.sluice.audit.AuditStore;
import io.sluice.audit.SignedTreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import io.sluice.node.grpc.Caller;
import io.sluice.proto.v1.AuditLeaf;
import io.sluice.proto.v1.AuditServiceGrpc;
import io.sluice.proto.v1.ConsistencyRequest;
import io.sluice.proto.v1.ConsistencyResponse;
import io.sluice.proto.v1.EntriesRequest;
import io.sluice.proto.v1.EntriesResponse;
import io.sluice.proto.v1.HeadsRequest;
import io.sluice.proto.v1.HeadsResponse;
import io.sluice.proto.v1.SignedHead;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * {@code sluice.v1.AuditService}: signed tree heads, entries by range or trace id with inclusion
 * proofs, and consistency proofs.
 *
 * <p>Who may read what: the node itself (its operator's CLI) and callers with the {@code operator}
 * role read everything. Any other participant of the space may ask by trace id and gets the entries
 * of that trace whose counterparty it is, each with its inclusion proof against a head signed for
 * the request, and consistency proofs between heads it was given (so that it can hold the node to
 * them): enough to pair its own side of a negotiation or computation with this node's, and nothing
 * about anyone else's, not even how busy the node is (the list of heads and ranges of entries stay
 * with operators).
 */
public final class AuditGrpcService extends AuditServiceGrpc.AuditServiceImplBase {
  public static final String OPERATOR_ROLE = "operator";
  static final int MAX_ENTRIES = 10_000;

  private final String self;
  private final AuditLog log;
  private final ByteString certificate;

  public AuditGrpcService(String self, AuditLog log, X509Certificate certificate) {
    this.self = self;
    this.log = log;
    try {
      this.certificate = ByteString.copyFrom(certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode the node certificate", e);
    }
  }

  /** Whether the caller may read the whole log. */
  private boolean readsEverything() {
    PeerIdentity caller = Caller.current();
    return caller.participant().equals(self) || caller.roles().contains(OPERATOR_ROLE);
  }

  /** Whether a participant that may not read everything may read this entry of a trace. */
  private static boolean concerns(AuditEntry e, PeerIdentity caller) {
    String party = e.event().counterparty();
    return party.equals(caller.participant())
        || party.equals("sluice://" + caller.space() + "/" + caller.participant());
  }

  @Override
  public void heads(HeadsRequest request, StreamObserver<HeadsResponse> response) {
    if (!readsEverything()) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED,
          "the list of signed heads is open to operators (role operator) and to "
              + self
              + " itself");
    }
    HeadsResponse.Builder b = HeadsResponse.newBuilder().setSignerCertificate(certificate);
    log.store().heads().forEach(h -> b.addHeads(toProto(h)));
    response.onNext(b.build());
    response.onCompleted();
  }

  @Override
  public void entries(EntriesRequest request, StreamObserver<EntriesResponse> response) {
    boolean everything = readsEverything();
    if (!everything && request.hasRange()) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED,
          "ranges of the audit log are open to operators (role operator) and to "
              + self
              + " itself; ask for a trace id");
    }
    PeerIdentity caller = Caller.current();
    AuditStore store = log.store();
    SignedTreeHead head;
    if (request.getTreeSize() == 0) {
      // a fresh head, so that what just happened is covered and provable
      log.flush().join();
      head =
          log.signHead()
              .join()
              .or(store::latestHead)
              .orElseThrow(
                  () ->
                      new SluiceException(
                          ErrorCode.NOT_FOUND, "the audit log has no signed head yet"));
    } else {
      head =
          store
              .head(request.getTreeSize())
              .orElseThrow(
                  () ->
                      new SluiceException(
                          ErrorCode.NOT_FOUND, "no signed head of size " + request.getTreeSize()));
    }
    long size = head.head().size();
    List<AuditEntry> entries;
    if (request.hasRange()) {
      int limit = Math.max(0, Math.min(MAX_ENTRIES, request.getRange().getLimit()));
      if (request.getRange().getFrom() < 0) {
        throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "a range starts at 0 or later");
      }
      entries = store.entries(request.getRange().getFrom(), limit);
    } else if (!request.getTraceId().isEmpty()) {
      entries = store.entriesByTrace(request.getTraceId());
    } else {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "ask for a trace id or a range");
    }
    EntriesResponse.Builder b =
        EntriesResponse.newBuilder().setHead(toProto(head)).setSignerCertificate(certificate);
    int count = 0;
    for (AuditEntry e : entries) {
      if (e.sequence() >= size) {
        continue; // not covered by the head: cannot be proven yet
      }
      if (!everything && !concerns(e, caller)) {
        continue;
      }
      if (++count > MAX_ENTRIES) {
        throw new SluiceException(
            ErrorCode.RESOURCE_EXHAUSTED,
            "more than "
                + MAX_ENTRIES
                + " entries"
                + (everything ? "; ask for a range" : "; ask an operator of " + self));
      }
      AuditLeaf.Builder leaf =
          AuditLeaf.newBuilder().setSequence(e.sequence()).setLeaf(ByteString.copyFrom(e.encode()));
      store
          .inclusionProof(e.sequence(), size)
          .forEach(p -> leaf.addInclusionProof(ByteString.copyFrom(p)));
      b.addEntries(leaf);
    }
    response.onNext(b.build());
    response.onCompleted();
  }

  @Override
  public void consistency(
      ConsistencyRequest request, StreamObserver<ConsistencyResponse> response) {
    ConsistencyResponse.Builder b = ConsistencyResponse.newBuilder();
    log.store()
        .consistencyProof(request.getFirstSize(), request.getSecondSize())
        .forEach(p -> b.addProof(ByteString.copyFrom(p)));
    response.onNext(b.build());
    response.onCompleted();
  }

  static SignedHead toProto(SignedTreeHead h) {
    return SignedHead.newBuilder()
        .setTreeSize(h.head().size())
        .setRootHash(ByteString.copyFrom(h.head().rootHash()))
        .setTimeMs(h.head().timestamp().toEpochMilli())
        .setSignature(ByteString.copyFrom(h.signature()))
        .setSignerFingerprint(h.signerFingerprint())
        .build();
  }
}
