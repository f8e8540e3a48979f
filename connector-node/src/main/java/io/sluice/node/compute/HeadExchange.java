package io.sluice.node.compute;

import com.google.protobuf.ByteString;
import io.sluice.audit.HeadCheck;
import io.sluice.audit.HeadIssuer;
import io.sluice.audit.HeadWitness;
import io.sluice.audit.SignedTreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.node.audit.SignedHeads;
import io.sluice.proto.v1.AuditHeads;
import io.sluice.proto.v1.ComputeMessage;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At the end of every computation both nodes hand each other the latest head their audit log signed
 * on its schedule, each proving it consistent with the head the other holds of it, so that each
 * holds a recent commitment of the other (see {@code AuditHeads} in compute.proto): the receiver
 * offers its head and the size it holds of the sender; the sender answers with its head, the size
 * it holds of the receiver and its proof; the receiver checks and sends its own proof; the sender
 * checks. Everything the peer sends is checked by {@link HeadWitness}; nothing it sends makes this
 * node sign.
 */
public final class HeadExchange {
  private static final Logger log = LoggerFactory.getLogger(HeadExchange.class);

  /** How long a node waits for each of the peer's exchange messages. */
  static final Duration TIMEOUT = Duration.ofMinutes(2);

  private final HeadIssuer issuer;
  private final HeadWitness witness;
  private final ByteString certificate;

  public HeadExchange(HeadIssuer issuer, HeadWitness witness, X509Certificate certificate) {
    this.issuer = issuer;
    this.witness = witness;
    try {
      this.certificate = ByteString.copyFrom(certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode the node certificate", e);
    }
  }

  /** The receiver's side: offer, check the sender's answer, prove ours. */
  HeadCheck asReceiver(ControlChannel channel, String peer, String traceId) {
    Optional<SignedTreeHead> mine = issuer.issue(peer);
    long held = witness.heldSize(peer);
    channel.sendControl(message(mine, held, List.of()));
    AuditHeads answer = receive(channel, peer);
    HeadCheck check = check(peer, answer, answer, held, traceId);
    channel.sendControl(
        ComputeMessage.newBuilder()
            .setHeads(AuditHeads.newBuilder().addAllProof(prove(peer, answer.getHeldSize(), mine)))
            .build());
    return check;
  }

  /** The sender's side: answer the receiver's offer with our head and proof, check its proof. */
  HeadCheck asSender(ControlChannel channel, String peer, String traceId) {
    AuditHeads offer = receive(channel, peer);
    Optional<SignedTreeHead> mine = issuer.issue(peer);
    long held = witness.heldSize(peer);
    channel.sendControl(message(mine, held, prove(peer, offer.getHeldSize(), mine)));
    AuditHeads proof = receive(channel, peer);
    return check(peer, offer, proof, held, traceId);
  }

  private ComputeMessage message(Optional<SignedTreeHead> mine, long held, List<ByteString> proof) {
    AuditHeads.Builder heads = AuditHeads.newBuilder().setHeldSize(held).addAllProof(proof);
    mine.ifPresent(h -> heads.setHead(SignedHeads.toProto(h)).setSignerCertificate(certificate));
    return ComputeMessage.newBuilder().setHeads(heads).build();
  }

  private static AuditHeads receive(ControlChannel channel, String peer) {
    ComputeMessage m = channel.receiveControl(TIMEOUT);
    if (!m.hasHeads()) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, peer + " did not exchange its audit log's head");
    }
    return m.getHeads();
  }

  /**
   * Our proof that {@code mine} is consistent with the head of ours the peer holds ({@code held}):
   * nothing when it holds none, or names a head we never gave it (it then cannot hold us to it).
   */
  private List<ByteString> prove(String peer, long held, Optional<SignedTreeHead> mine) {
    if (held <= 0 || mine.isEmpty()) {
      return List.of();
    }
    try {
      return issuer.prove(peer, held, mine.get().head().size()).stream()
          .map(ByteString::copyFrom)
          .toList();
    } catch (SluiceException e) {
      log.warn(
          "{} holds a head of size {} of our log that we cannot prove: {}",
          peer,
          held,
          e.getMessage());
      return List.of();
    }
  }

  /**
   * Checks the head in {@code offer} with the proof in {@code proof}, which the peer made for the
   * size we told it we held ({@code held}). If another exchange with the peer moved the held head
   * meanwhile, the proof is for another pair than the witness needs: the head stays unchecked (the
   * newer held head is a recent commitment already) rather than be called a rewrite.
   */
  private HeadCheck check(
      String peer, AuditHeads offer, AuditHeads proof, long held, String traceId) {
    if (!offer.hasHead()) {
      return HeadCheck.notChecked(peer, peer + " has signed no head yet");
    }
    SignedTreeHead head;
    try {
      head = SignedHeads.fromProto(offer.getHead());
    } catch (SluiceException e) {
      return new HeadCheck(
          HeadCheck.Verdict.INVALID,
          peer,
          witness.holder(),
          witness.heldSize(peer),
          0,
          peer + " sent " + e.getMessage());
    }
    HeadCheck check =
        witness.observe(
            peer,
            head,
            offer.getSignerCertificate().toByteArray(),
            (a, b) -> {
              long size = head.head().size();
              if (held == 0 || a != Math.min(held, size) || b != Math.max(held, size)) {
                throw new SluiceException(
                    ErrorCode.CONFLICT,
                    "the proof at hand is for the head of size "
                        + held
                        + ", held when the exchange began");
              }
              return SignedHeads.proof(proof.getProofList());
            },
            traceId);
    if (check.problem()) {
      log.warn("{}", check.message());
    }
    return check;
  }
}
