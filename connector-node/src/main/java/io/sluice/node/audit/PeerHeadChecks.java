package io.sluice.node.audit;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.sluice.audit.HeadCheck;
import io.sluice.audit.HeadWitness;
import io.sluice.audit.SignedTreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.node.grpc.StatusMapping;
import io.sluice.proto.v1.AuditServiceGrpc;
import io.sluice.proto.v1.ConsistencyRequest;
import io.sluice.proto.v1.LatestHeadRequest;
import io.sluice.proto.v1.LatestHeadResponse;
import io.sluice.proto.v1.SignedHead;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * This node holding a peer to its signed heads on its operator's request ({@code audit check-peer},
 * {@code audit trace}): the head comes from the request or from the peer's {@code LatestHead}, the
 * consistency proof from the peer's {@code Consistency}, over this node's own channel to the peer,
 * and {@link HeadWitness} decides.
 */
public final class PeerHeadChecks {
  private final HeadWitness witness;
  private final PeerChannels peers;
  private final long deadlineMillis;

  public PeerHeadChecks(HeadWitness witness, PeerChannels peers, long deadlineMillis) {
    this.witness = witness;
    this.peers = peers;
    this.deadlineMillis = deadlineMillis;
  }

  /**
   * Checks {@code head} (signed by {@code certificate}), or, when it is null, the peer's latest.
   *
   * @throws SluiceException NOT_FOUND for a peer not in the configuration; AUDIT_APPEND_FAILED if
   *     the check cannot be recorded
   */
  HeadCheck check(String peer, SignedHead head, ByteString certificate) {
    ManagedChannel channel = peers.channel(peer);
    if (head == null) {
      LatestHeadResponse latest;
      try {
        latest = stub(channel).latestHead(LatestHeadRequest.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        SluiceException typed = StatusMapping.fromStatus(e, peer);
        return typed.code() == ErrorCode.NOT_FOUND
            ? HeadCheck.notChecked(peer, peer + " has no signed head yet")
            : unproven(peer, "it handed out no head: " + typed.getMessage());
      }
      head = latest.getHead();
      certificate = latest.getSignerCertificate();
    }
    SignedTreeHead signed;
    try {
      signed = SignedHeads.fromProto(head);
    } catch (SluiceException e) {
      return new HeadCheck(
          HeadCheck.Verdict.INVALID,
          peer,
          witness.holder(),
          witness.heldSize(peer),
          0,
          peer + ": " + e.getMessage());
    }
    return witness.observe(
        peer, signed, certificate.toByteArray(), (a, b) -> consistency(channel, peer, a, b), "");
  }

  private List<byte[]> consistency(ManagedChannel channel, String peer, long size1, long size2) {
    try {
      return SignedHeads.proof(
          stub(channel)
              .consistency(
                  ConsistencyRequest.newBuilder().setFirstSize(size1).setSecondSize(size2).build())
              .getProofList());
    } catch (StatusRuntimeException e) {
      throw StatusMapping.fromStatus(e, peer);
    }
  }

  private HeadCheck unproven(String peer, String why) {
    long held = witness.heldSize(peer);
    return new HeadCheck(
        HeadCheck.Verdict.UNPROVEN, peer, witness.holder(), held, 0, peer + ": " + why);
  }

  private AuditServiceGrpc.AuditServiceBlockingStub stub(ManagedChannel channel) {
    return AuditServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
  }
}
