package io.sluice.psi;

import io.sluice.crypto.x25519.X25519Blinding;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.Executor;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The sender of ECDH-PSI over X25519 ({@code psi} and {@code psi-cardinality}). With a fresh secret
 * scalar b it raises each received H(x)^a to b and answers with the first {@value
 * PsiConfig#TAG_LENGTH} bytes (the receiver only compares them), in order for {@code psi} and, for
 * {@code psi-cardinality}, after collecting all of them, in a uniformly random order over the whole
 * set; then it streams H(y)^b for its own <em>distinct</em> keys under a fresh uniformly random
 * permutation, so the receiver learns neither the order of the sender's dataset nor how often a key
 * occurs in it. It learns the number of the receiver's distinct keys and whether the result was
 * released, nothing else.
 *
 * <p>Every received element is checked: exactly 32 bytes, canonical, on curve25519 (not the twist)
 * and not of low order; one bad element aborts the session with {@code INVALID_POINT}. In {@code
 * psi-cardinality} a receiver that submits one key twice (equal blinded values) is refused with
 * {@code PROTOCOL_VIOLATION}: duplicates would let it count how often each of its keys matched.
 *
 * <p>Memory: the distinct keys and a permutation of them (4 bytes per key); for {@code
 * psi-cardinality} also the receiver's tags, 12 bytes per receiver key (bounded by the count
 * admitted before the session, checked in the handshake before any batch arrives).
 */
public final class EcdhPsiSender extends Party {

  public EcdhPsiSender(
      PsiConfig config,
      PsiChannel channel,
      BufferAllocator allocator,
      Executor executor,
      SecureRandom random,
      PsiProgress progress) {
    super(config, channel, allocator, executor, random, progress);
    if (config.mode() != PsiMode.PSI && config.mode() != PsiMode.CARDINALITY) {
      throw new IllegalArgumentException("EcdhPsiSender runs psi or psi-cardinality");
    }
  }

  /**
   * Runs the session to its end.
   *
   * @param rowCount the number of rows {@code keys} yields
   * @param rows the encoded join key of each row; {@code null} for a row without one
   */
  public PsiSenderResult run(long rowCount, Iterator<byte[]> rows) {
    return drive("sender", allocator -> runSession(allocator, rowCount, rows));
  }

  private PsiSenderResult runSession(
      BufferAllocator allocator, long rowCount, Iterator<byte[]> rows) {
    Handshake peer = Handshake.decode(io.receive(FrameType.HELLO).payload());
    peer.checkAgainst(config, true);
    DistinctKeys keys = DistinctKeys.collect(rowCount, rows, false);
    if (keys.size() > config.maxSenderRows()) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED, "the sender's keys exceed the configured limit");
    }
    long receiverKeys = peer.rowCount();
    io.send(FrameType.HELLO, Handshake.of(config, keys.size()).encode());
    try (X25519Blinding b = X25519Blinding.newSession(random)) {
      if (config.mode() == PsiMode.PSI) {
        answerInOrder(allocator, b, receiverKeys);
      } else {
        answerShuffled(allocator, b, receiverKeys);
      }
      sendOwnSet(allocator, b, keys);
    }
    Control.Result result = Control.decodeResult(io.receive(FrameType.RESULT).payload());
    return new PsiSenderResult(result.outcome(), receiverKeys, PsiInput.of(keys));
  }

  private byte[] receiveBlinded(Frame f, BufferAllocator allocator, long received, long expected) {
    byte[] elements =
        ArrowFrames.readElements(allocator, f.payload(), X25519Work.LENGTH, config.batchSize());
    if (received + elements.length / X25519Work.LENGTH > expected) {
      throw violation("the receiver sent more keys than it announced");
    }
    return elements;
  }

  /** Receives the next BLINDED batch, or null at the receiver's END (checked against its count). */
  private byte[] nextBlinded(BufferAllocator allocator, long received, long expected) {
    Frame f = io.receive(FrameType.BLINDED, FrameType.END);
    if (f.type() == FrameType.END) {
      expectEnd(f, FrameType.BLINDED, expected);
      if (received != expected) {
        throw violation("the receiver sent fewer keys than it announced");
      }
      return null;
    }
    return receiveBlinded(f, allocator, received, expected);
  }

  private void answerInOrder(BufferAllocator allocator, X25519Blinding b, long receiverKeys) {
    long received = 0;
    for (byte[] e; (e = nextBlinded(allocator, received, receiverKeys)) != null; ) {
      int rows = e.length / X25519Work.LENGTH;
      byte[] tags = Parallel.join(X25519Work.blindToTags(executor, b, e));
      received += rows;
      progress.update(PsiProgress.Stage.RECEIVED, received);
      io.send(
          FrameType.REPLY, ArrowFrames.writeElements(allocator, tags, rows, PsiConfig.TAG_LENGTH));
      progress.update(PsiProgress.Stage.SENT, received);
    }
    io.send(FrameType.END, Control.end(FrameType.REPLY, receiverKeys));
  }

  /**
   * Refuses a psi-cardinality session whose reply tags (12 bytes per receiver key, held for the
   * shuffle) would take more than a quarter of this JVM's heap: checked by the node before it
   * spends a use, and again here.
   *
   * @throws SluiceException RESOURCE_EXHAUSTED
   */
  public static void requireMemoryFor(PsiMode mode, long receiverKeys) {
    long bytes = receiverKeys * (PsiConfig.TAG_LENGTH + 8L);
    if (mode == PsiMode.CARDINALITY && bytes > Runtime.getRuntime().maxMemory() / 4) {
      throw new SluiceException(
          ErrorCode.RESOURCE_EXHAUSTED,
          "psi-cardinality with "
              + receiverKeys
              + " receiver keys needs "
              + (bytes >> 20)
              + " MiB of this node's heap; split the input into buckets");
    }
  }

  private void answerShuffled(BufferAllocator allocator, X25519Blinding b, long receiverKeys) {
    int tag = PsiConfig.TAG_LENGTH;
    requireMemoryFor(PsiMode.CARDINALITY, receiverKeys);
    // receiverKeys <= maxReceiverRows <= MAX_ROWS (checked in the handshake): the array fits.
    byte[] all = new byte[Math.multiplyExact((int) receiverKeys, tag)];
    long received = 0;
    for (byte[] e; (e = nextBlinded(allocator, received, receiverKeys)) != null; ) {
      byte[] tags = Parallel.join(X25519Work.blindToTags(executor, b, e));
      System.arraycopy(tags, 0, all, (int) (received * tag), tags.length);
      received += tags.length / tag;
      progress.update(PsiProgress.Stage.RECEIVED, received);
    }
    int n = (int) receiverKeys;
    Tags.requireDistinct(all, n);
    Tags.shuffle(all, n, random);
    for (int from = 0; from < n; from += config.batchSize()) {
      int rows = Math.min(config.batchSize(), n - from);
      byte[] part = Arrays.copyOfRange(all, from * tag, (from + rows) * tag);
      io.send(FrameType.REPLY, ArrowFrames.writeElements(allocator, part, rows, tag));
      progress.update(PsiProgress.Stage.SENT, from + rows);
    }
    io.send(FrameType.END, Control.end(FrameType.REPLY, receiverKeys));
  }

  /** H(y)^b of our distinct keys in a fresh random order, one batch computed ahead. */
  private void sendOwnSet(BufferAllocator allocator, X25519Blinding b, DistinctKeys keys) {
    int[] order = Tags.permutation(keys.size(), random);
    byte[] dst = config.x25519Dst();
    Ahead<byte[]> batches =
        new Ahead<>(
            keys.size(),
            config.batchSize(),
            (from, rows) ->
                X25519Work.hashAndBlind(executor, b, dst, i -> keys.key(order[from + i]), rows));
    long sent = 0;
    while (batches.hasNext()) {
      Ahead.Batch<byte[]> batch = batches.next();
      progress.update(PsiProgress.Stage.BLINDED, sent + batch.rows());
      io.send(
          FrameType.SENDER_SET,
          ArrowFrames.writeElements(allocator, batch.value(), batch.rows(), X25519Work.LENGTH));
      sent += batch.rows();
      progress.update(PsiProgress.Stage.SENT, sent);
    }
    io.send(FrameType.END, Control.end(FrameType.SENDER_SET, keys.size()));
  }
}
