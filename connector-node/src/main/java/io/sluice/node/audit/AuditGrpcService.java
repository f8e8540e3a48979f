package io.sluice.node.audit;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditLog;
import io.sluice.audit.AuditStore;
import io.sluice.audit.HeadIssuer;
import io.sluice.audit.SignedTreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PeerIdentity;
import io.sluice.node.grpc.Caller;
import io.sluice.proto.v1.AuditLeaf;
import io.sluice.proto.v1.AuditServiceGrpc;
import io.sluice.proto.v1.CheckPeerRequest;
import io.sluice.proto.v1.CheckPeerResponse;
import io.sluice.proto.v1.ConsistencyRequest;
import io.sluice.proto.v1.ConsistencyResponse;
import io.sluice.proto.v1.EntriesRequest;
import io.sluice.proto.v1.EntriesResponse;
import io.sluice.proto.v1.HeadsRequest;
import io.sluice.proto.v1.HeadsResponse;
import io.sluice.proto.v1.LatestHeadRequest;
import io.sluice.proto.v1.LatestHeadResponse;
import io.sluice.proto.v1.SignedHead;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * {@code sluice.v1.AuditService}: signed tree heads, entries by range or trace id with inclusion
 * proofs, consistency proofs, and — for the node itself — holding a peer to its heads.
 *
 * <p>Who may read what: the node itself (its operator's CLI) and callers with the {@code operator}
 * role read everything, and get heads signed for the request. Any other participant of the space
 * may ask by trace id and gets the entries of that trace whose counterparty it is, each with its
 * inclusion proof against the head the log last signed on its schedule ({@link HeadIssuer}: asking
 * never makes the node sign), the scheduled head itself, and consistency proofs between heads it
 * was given (so that it can hold the node to them): enough to pair its own side of a negotiation or
 * computation with this node's, and nothing about anyone else's. The list of heads and ranges of
 * entries stay with operators.
 */
public final class AuditGrpcService extends AuditServiceGrpc.AuditServiceImplBase {
  public static final String OPERATOR_ROLE = "operator";
  static final int MAX_ENTRIES = 10_000;

  private final String self;
  private final AuditLog log;
  private final ByteString certificate;
  private final HeadIssuer issuer;
  private final PeerHeadChecks checks;

  public AuditGrpcService(
      String self,
      AuditLog log,
      X509Certificate certificate,
      HeadIssuer issuer,
      PeerHeadChecks checks) {
    this.self = self;
    this.log = log;
    this.issuer = issuer;
    this.checks = checks;
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
    log.store().heads().forEach(h -> b.addHeads(SignedHeads.toProto(h)));
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
    List<AuditEntry> entries = select(request);
    Optional<SignedTreeHead> head = head(request.getTreeSize(), everything, caller);
    long size = head.map(h -> h.head().size()).orElse(0L);
    EntriesResponse.Builder b = EntriesResponse.newBuilder().setSignerCertificate(certificate);
    head.ifPresent(h -> b.setHead(SignedHeads.toProto(h)));
    int count = 0;
    long pending = 0;
    for (AuditEntry e : entries) {
      if (!everything && !concerns(e, caller)) {
        continue;
      }
      if (e.sequence() >= size) {
        pending++; // not covered by the head: cannot be proven yet
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
      b.addEntries(leaf(e, size));
    }
    if (pending > 0) {
      b.setPending(pending).setNextHeadMs(log.nextHeadDue().toEpochMilli());
    }
    response.onNext(b.build());
    response.onCompleted();
  }

  private List<AuditEntry> select(EntriesRequest request) {
    AuditStore store = log.store();
    if (request.hasRange()) {
      int limit = Math.max(0, Math.min(MAX_ENTRIES, request.getRange().getLimit()));
      if (request.getRange().getFrom() < 0) {
        throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "a range starts at 0 or later");
      }
      return store.entries(request.getRange().getFrom(), limit);
    }
    if (!request.getTraceId().isEmpty()) {
      return store.entriesByTrace(request.getTraceId());
    }
    throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "ask for a trace id or a range");
  }

  /**
   * The head to prove against: of the requested size, or the latest — signed now for the node
   * itself and operators (so that what just happened is covered), the scheduled one for anyone
   * else, recorded as handed to them; empty while a counterparty's has not been signed yet.
   */
  private Optional<SignedTreeHead> head(long treeSize, boolean everything, PeerIdentity caller) {
    if (treeSize != 0) {
      return Optional.of(
          everything
              ? log.store()
                  .head(treeSize)
                  .orElseThrow(
                      () ->
                          new SluiceException(
                              ErrorCode.NOT_FOUND, "no signed head of size " + treeSize))
              : issuer.issued(caller.participant(), treeSize));
    }
    if (!everything) {
      log.flush().join(); // what this caller's own side just logged counts as pending, not missing
      return issuer.issue(caller.participant());
    }
    log.flush().join();
    return Optional.of(
        log.signHead()
            .join()
            .or(log.store()::latestHead)
            .orElseThrow(() -> new SluiceException(ErrorCode.NOT_FOUND, "the audit log is empty")));
  }

  private AuditLeaf leaf(AuditEntry e, long size) {
    AuditLeaf.Builder leaf =
        AuditLeaf.newBuilder().setSequence(e.sequence()).setLeaf(ByteString.copyFrom(e.encode()));
    log.store()
        .inclusionProof(e.sequence(), size)
        .forEach(p -> leaf.addInclusionProof(ByteString.copyFrom(p)));
    return leaf.build();
  }

  @Override
  public void consistency(
      ConsistencyRequest request, StreamObserver<ConsistencyResponse> response) {
    long first = request.getFirstSize();
    long second = request.getSecondSize();
    List<byte[]> proof =
        readsEverything()
            ? log.store().consistencyProof(first, second)
            : issuer.prove(Caller.current().participant(), first, second);
    ConsistencyResponse.Builder b = ConsistencyResponse.newBuilder();
    proof.forEach(p -> b.addProof(ByteString.copyFrom(p)));
    response.onNext(b.build());
    response.onCompleted();
  }

  @Override
  public void latestHead(LatestHeadRequest request, StreamObserver<LatestHeadResponse> response) {
    SignedTreeHead head =
        issuer
            .issue(Caller.current().participant())
            .orElseThrow(
                () ->
                    new SluiceException(
                        ErrorCode.NOT_FOUND,
                        self + " has signed no head yet; the next is due by " + log.nextHeadDue()));
    response.onNext(
        LatestHeadResponse.newBuilder()
            .setHead(SignedHeads.toProto(head))
            .setSignerCertificate(certificate)
            .build());
    response.onCompleted();
  }

  @Override
  public void checkPeer(CheckPeerRequest request, StreamObserver<CheckPeerResponse> response) {
    if (!Caller.current().participant().equals(self)) {
      throw new SluiceException(
          ErrorCode.POLICY_DENIED, "only " + self + " itself may check its peers");
    }
    if (request.getPeer().isEmpty() || request.getPeer().equals(self)) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "name a peer of " + self);
    }
    SignedHead head = request.hasHead() ? request.getHead() : null;
    response.onNext(
        SignedHeads.toProto(checks.check(request.getPeer(), head, request.getSignerCertificate())));
    response.onCompleted();
  }
}
