package io.sluice.psi;

import io.sluice.crypto.x25519.X25519Blinding;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The receiver of ECDH-PSI over X25519 ({@code psi} and {@code psi-cardinality}). With a fresh
 * secret scalar a it sends H(x)^a for each of its <em>distinct</em> keys (H: RFC 9380 hash to the
 * prime-order subgroup of curve25519), gets back (H(x)^a)^b as truncated tags (in order for {@code
 * psi}, shuffled for {@code psi-cardinality}), receives the sender's H(y)^b for its distinct keys
 * in a random order, raises them to a, and compares tags. Learns: for {@code psi} which of its rows
 * match, for {@code psi-cardinality} only how many distinct keys match; in both, the number of the
 * sender's distinct keys. Semi-honest security under the gap Diffie-Hellman assumption on
 * Curve25519's prime-order subgroup, with H a random oracle.
 *
 * <p>Memory: the distinct keys ({@link DistinctKeys}), the index of their tags (about 26 bytes per
 * distinct key), a bit per distinct key, plus a few batches in flight. Everything from the sender
 * is streamed.
 */
public final class EcdhPsiReceiver extends Party {

  /**
   * @param allocator the parent of this session's Arrow allocator (the caller owns it)
   * @param executor runs the blinding in parallel (the caller owns it)
   */
  public EcdhPsiReceiver(
      PsiConfig config,
      PsiChannel channel,
      BufferAllocator allocator,
      Executor executor,
      SecureRandom random,
      PsiProgress progress) {
    super(config, channel, allocator, executor, random, progress);
    if (config.mode() != PsiMode.PSI && config.mode() != PsiMode.CARDINALITY) {
      throw new IllegalArgumentException("EcdhPsiReceiver runs psi or psi-cardinality");
    }
  }

  /**
   * Runs the session to its end.
   *
   * @param rowCount the number of rows {@code keys} yields
   * @param keys the encoded join key of each row, in row order; {@code null} for a row without one
   */
  public PsiReceiverResult run(long rowCount, Iterator<byte[]> keys) {
    return run(DistinctKeys.collect(rowCount, keys, true));
  }

  /** Runs the session on keys collected beforehand (with their rows mapped). */
  public PsiReceiverResult run(DistinctKeys keys) {
    if (!keys.mapsRows()) {
      throw new IllegalArgumentException("the receiver needs its rows mapped to keys");
    }
    return drive("receiver", allocator -> runSession(allocator, keys));
  }

  private PsiReceiverResult runSession(BufferAllocator allocator, DistinctKeys keys) {
    requireWithinLimit(keys);
    try (X25519Blinding a = X25519Blinding.newSession(random)) {
      io.send(FrameType.HELLO, Handshake.of(config, keys.size()).encode());
      Handshake peer = Handshake.decode(io.receive(FrameType.HELLO).payload());
      peer.checkAgainst(config, false);
      long senderKeys = peer.rowCount();

      TagIndex index = new TagIndex(keys.size());
      if (config.mode() == PsiMode.PSI) {
        sendAndCollectInOrder(allocator, a, keys, index);
      } else {
        sendAll(allocator, a, keys);
        collectShuffled(allocator, keys.size(), index);
      }
      BitSet matchedKeys = config.mode() == PsiMode.PSI ? new BitSet(keys.size()) : null;
      long distinct = matchSenderSet(allocator, a, senderKeys, index, matchedKeys);

      PsiInput input = PsiInput.of(keys);
      if (distinct < config.minResultGroupSize()) {
        io.send(
            FrameType.RESULT,
            Control.result(PsiOutcome.WITHHELD, "withheld: below minimum group size"));
        return PsiReceiverResult.withheld(config.mode(), input, senderKeys);
      }
      io.send(FrameType.RESULT, Control.result(PsiOutcome.RELEASED, ""));
      int[] rows = matchedKeys == null ? new int[0] : matchedRows(keys, matchedKeys);
      return new PsiReceiverResult(
          PsiOutcome.RELEASED,
          config.mode(),
          input,
          senderKeys,
          OptionalLong.of(distinct),
          rows,
          List.of());
    }
  }

  private void requireWithinLimit(DistinctKeys keys) {
    if (keys.size() > config.maxReceiverRows()) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED,
          "the receiver's "
              + keys.size()
              + " distinct keys exceed the agreement's limit of "
              + config.maxReceiverRows());
    }
  }

  /** The input rows whose key matched, ascending. */
  static int[] matchedRows(DistinctKeys keys, BitSet matchedKeys) {
    int count = 0;
    for (int r = 0; r < keys.rows(); r++) {
      int k = keys.keyOfRow(r);
      if (k >= 0 && matchedKeys.get(k)) {
        count++;
      }
    }
    int[] rows = new int[count];
    int n = 0;
    for (int r = 0; r < keys.rows(); r++) {
      int k = keys.keyOfRow(r);
      if (k >= 0 && matchedKeys.get(k)) {
        rows[n++] = r;
      }
    }
    return rows;
  }

  private Ahead<byte[]> blinded(X25519Blinding a, DistinctKeys keys) {
    byte[] dst = config.x25519Dst();
    return new Ahead<>(
        keys.size(),
        config.batchSize(),
        (from, rows) -> X25519Work.hashAndBlind(executor, a, dst, i -> keys.key(from + i), rows));
  }

  /** psi: blinded batches out, in-order tag batches back, at most maxInFlight unanswered. */
  private void sendAndCollectInOrder(
      BufferAllocator allocator, X25519Blinding a, DistinctKeys keys, TagIndex index) {
    Ahead<byte[]> batches = blinded(a, keys);
    ArrayDeque<Integer> inFlight = new ArrayDeque<>();
    long sent = 0;
    long received = 0;
    while (batches.hasNext() || !inFlight.isEmpty()) {
      if (batches.hasNext() && inFlight.size() < config.maxInFlightBatches()) {
        Ahead.Batch<byte[]> b = batches.next();
        progress.update(PsiProgress.Stage.BLINDED, sent + b.rows());
        io.send(
            FrameType.BLINDED,
            ArrowFrames.writeElements(allocator, b.value(), b.rows(), X25519Work.LENGTH));
        inFlight.addLast(b.rows());
        sent += b.rows();
        progress.update(PsiProgress.Stage.SENT, sent);
        continue;
      }
      Frame f = io.receive(FrameType.REPLY);
      byte[] tags =
          ArrowFrames.readElements(
              allocator, f.payload(), PsiConfig.TAG_LENGTH, config.batchSize());
      int expected = inFlight.removeFirst();
      if (tags.length != expected * PsiConfig.TAG_LENGTH) {
        throw violation("a reply batch does not answer its blinded batch row for row");
      }
      for (int i = 0; i < expected; i++) {
        index.add(tags, i * PsiConfig.TAG_LENGTH);
      }
      received += expected;
      progress.update(PsiProgress.Stage.RECEIVED, received);
    }
    io.send(FrameType.END, Control.end(FrameType.BLINDED, keys.size()));
    expectEnd(io.receive(FrameType.END), FrameType.REPLY, keys.size());
  }

  /** psi-cardinality: every blinded batch out (the sender must see all before it shuffles). */
  private void sendAll(BufferAllocator allocator, X25519Blinding a, DistinctKeys keys) {
    Ahead<byte[]> batches = blinded(a, keys);
    long sent = 0;
    while (batches.hasNext()) {
      Ahead.Batch<byte[]> b = batches.next();
      progress.update(PsiProgress.Stage.BLINDED, sent + b.rows());
      io.send(
          FrameType.BLINDED,
          ArrowFrames.writeElements(allocator, b.value(), b.rows(), X25519Work.LENGTH));
      sent += b.rows();
      progress.update(PsiProgress.Stage.SENT, sent);
    }
    io.send(FrameType.END, Control.end(FrameType.BLINDED, keys.size()));
  }

  /** psi-cardinality: the shuffled tags of our doubly blinded keys. */
  private void collectShuffled(BufferAllocator allocator, long count, TagIndex index) {
    long received = 0;
    while (true) {
      Frame f = io.receive(FrameType.REPLY, FrameType.END);
      if (f.type() == FrameType.END) {
        expectEnd(f, FrameType.REPLY, count);
        if (received != count) {
          throw violation("fewer replies than blinded keys");
        }
        return;
      }
      byte[] tags =
          ArrowFrames.readElements(
              allocator, f.payload(), PsiConfig.TAG_LENGTH, config.batchSize());
      int rows = tags.length / PsiConfig.TAG_LENGTH;
      if (received + rows > count) {
        throw violation("more replies than blinded keys");
      }
      for (int i = 0; i < rows; i++) {
        index.add(tags, i * PsiConfig.TAG_LENGTH);
      }
      received += rows;
      progress.update(PsiProgress.Stage.RECEIVED, received);
    }
  }

  /**
   * Streams the sender's H(y)^b, raises each to a and looks the tag up; returns the number of
   * distinct matched keys and marks matched keys in {@code matched} (psi only).
   */
  private long matchSenderSet(
      BufferAllocator allocator,
      X25519Blinding a,
      long senderKeys,
      TagIndex index,
      BitSet matched) {
    long received = 0;
    long distinct = 0;
    CompletableFuture<byte[]> pending = null;
    while (true) {
      Frame f = io.receive(FrameType.SENDER_SET, FrameType.END);
      CompletableFuture<byte[]> current = null;
      if (f.type() == FrameType.SENDER_SET) {
        byte[] elements =
            ArrowFrames.readElements(allocator, f.payload(), X25519Work.LENGTH, config.batchSize());
        int rows = elements.length / X25519Work.LENGTH;
        if (received + rows > senderKeys) {
          throw violation("the sender sent more keys than it announced");
        }
        received += rows;
        current = X25519Work.blindToTags(executor, a, elements);
      }
      if (pending != null) {
        distinct += match(Parallel.join(pending), index, matched);
        progress.update(PsiProgress.Stage.MATCHED, distinct);
      }
      pending = current;
      progress.update(PsiProgress.Stage.RECEIVED, received);
      if (f.type() == FrameType.END) {
        expectEnd(f, FrameType.SENDER_SET, senderKeys);
        if (received != senderKeys) {
          throw violation("the sender sent fewer keys than it announced");
        }
        return distinct;
      }
    }
  }

  private static long match(byte[] tags, TagIndex index, BitSet matched) {
    long distinct = 0;
    for (int off = 0; off < tags.length; off += PsiConfig.TAG_LENGTH) {
      int head = index.find(tags, off);
      if (head >= 0) {
        if (!index.markHit(head)) {
          // An honest sender sends each of its distinct keys once.
          throw violation("the sender sent one key twice");
        }
        distinct++;
        if (matched != null) {
          for (int e = head; e >= 0; e = index.next(e)) {
            matched.set(e);
          }
        }
      }
    }
    return distinct;
  }
}
