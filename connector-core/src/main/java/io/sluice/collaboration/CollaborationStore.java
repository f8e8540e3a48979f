package io.sluice.collaboration;

import io.sluice.negotiation.Outgoing;
import io.sluice.proto.v1.MemberSignature;
import java.util.List;
import java.util.Optional;

/**
 * Durable collaboration state. Every {@link #save} is one transaction: the collaboration (checked
 * against its version), the outbox changes, the processed inbound message with our reply, and a
 * signature — so a crash never leaves a state change without the messages it owes, or a processed
 * message without its reply.
 */
public interface CollaborationStore {

  /** What this node still has to deliver to one member (at most one message per member). */
  record Delivery(
      String collaborationId,
      String member,
      CollaborationTransitions.Kind kind,
      Outgoing outgoing) {}

  /**
   * A processed inbound message, by (collaboration, sender, slot): the digest of the message (hex
   * SHA-256 of its bytes) and the reply we gave.
   */
  record Processed(
      String sender, CollaborationTransitions.Slot slot, String messageSha256, byte[] reply) {}

  /**
   * What a save changes besides the collaboration.
   *
   * @param replaceOutbox drop every undelivered message of the collaboration first
   * @param send messages to queue (each replaces the member's undelivered one)
   * @param delivered messages delivered (removed if they are still the member's)
   * @param processed the inbound message handled, or null
   * @param signature a signature to keep, or null
   */
  record Changes(
      boolean replaceOutbox,
      List<Delivery> send,
      List<Delivery> delivered,
      Processed processed,
      MemberSignature signature) {
    public static final Changes NONE = new Changes(false, List.of(), List.of(), null, null);

    public Changes {
      send = List.copyOf(send);
      delivered = List.copyOf(delivered);
    }

    public Changes withProcessed(Processed p) {
      return new Changes(replaceOutbox, send, delivered, p, signature);
    }
  }

  Optional<StoredCollaboration> find(String id);

  List<StoredCollaboration> list();

  /** Collaborations not final whose expiry is at or before {@code nowMs}. */
  List<StoredCollaboration> expiring(long nowMs);

  /** The undelivered messages of a collaboration, by member. */
  List<Delivery> outbox(String collaborationId);

  /** Undelivered messages due at {@code nowMs}, the longest due first. */
  List<Delivery> due(long nowMs);

  /** The signatures kept for a collaboration. */
  List<MemberSignature> signatures(String collaborationId);

  /** The message processed in this slot, if any. */
  Optional<Processed> processed(
      String collaborationId, String sender, CollaborationTransitions.Slot slot);

  /**
   * Writes {@code c} (insert when its version is 0, else update where the stored version equals it)
   * and {@code changes}, in one transaction. Throws CONFLICT when the version check fails.
   */
  StoredCollaboration save(StoredCollaboration c, Changes changes);

  /**
   * Records one more failed delivery of {@code d}'s message (if it is still the member's): its
   * attempts and next attempt time become those of {@code d}.
   */
  void deliveryFailed(Delivery d);

  /**
   * Uses counted so far. The computation runtime's use ledger counts them, once per session ({@code
   * JdbcUseLedger.Counter.COLLABORATIONS}).
   */
  long useCount(String collaborationId);
}
