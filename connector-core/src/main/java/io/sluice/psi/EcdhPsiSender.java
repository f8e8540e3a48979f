package io.sluice.psi;

import io.sluice.crypto.x25519.X25519Blinding;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.SecureRandom;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The sender of ECDH-PSI over X25519 ({@code psi} and {@code psi-cardinality}). With a fresh secret
 * scalar b it raises each received H(x)^a to b and answers with the first {@value
 * PsiConfig#TAG_LENGTH} bytes (the receiver only compares them, so the rest would be surplus), in
 * order for {@code psi} and, for {@code psi-cardinality}, after collecting all of them, in a
 * uniformly random order over the whole set; then it streams H(y)^b for its own rows. It learns the
 * receiver's row count and whether the result was released, nothing else.
 *
 * <p>Every received element is checked: exactly 32 bytes, canonical, and not of low order (the
 * blinded result must not be zero); one bad element aborts the session with {@code INVALID_POINT}.
 *
 * <p>Memory: streaming for {@code psi}; for {@code psi-cardinality} the receiver's whole set of
 * tags, 12 bytes per receiver row (bounded by the agreement's inputRows, checked in the handshake
 * before any batch arrives).
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
   * @param rowCount the number of keys {@code keys} yields (announced to the receiver)
   * @param keys the encoded join key of each row
   */
  public PsiSenderResult run(long rowCount, Iterator<byte[]> keys) {
    return drive("sender", allocator -> runSession(allocator, rowCount, keys));
  }

  private PsiSenderResult runSession(
      BufferAllocator allocator, long rowCount, Iterator<byte[]> keys) {
    Handshake peer = Handshake.decode(io.receive(FrameType.HELLO).payload());
    peer.checkAgainst(config, true);
    if (rowCount < 0 || rowCount > config.maxSenderRows()) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED, "the sender's rows exceed the configured limit");
    }
    long receiverRows = peer.rowCount();
    io.send(FrameType.HELLO, Handshake.of(config, rowCount).encode());
    try (X25519Blinding b = X25519Blinding.newSession(random)) {
      if (config.mode() == PsiMode.PSI) {
        answerInOrder(allocator, b, receiverRows);
      } else {
        answerShuffled(allocator, b, receiverRows);
      }
      sendOwnSet(allocator, b, rowCount, keys);
    }
    Control.Result result = Control.decodeResult(io.receive(FrameType.RESULT).payload());
    return new PsiSenderResult(result.outcome(), receiverRows, rowCount);
  }

  /** Tags of (H(x)^a)^b for one received batch; validates every element. */
  private byte[] blindBatch(X25519Blinding b, byte[] elements) {
    int rows = elements.length / X25519Blinding.LENGTH;
    byte[] tags = new byte[rows * PsiConfig.TAG_LENGTH];
    Parallel.join(
        Parallel.forRanges(
            executor,
            rows,
            Parallel.X25519_CHUNK,
            (from, to) -> {
              byte[] e = new byte[X25519Blinding.LENGTH];
              for (int i = from; i < to; i++) {
                System.arraycopy(elements, i * X25519Blinding.LENGTH, e, 0, X25519Blinding.LENGTH);
                X25519Blinding.requireCanonical(e);
                byte[] d = b.blind(e);
                System.arraycopy(d, 0, tags, i * PsiConfig.TAG_LENGTH, PsiConfig.TAG_LENGTH);
              }
            }));
    return tags;
  }

  private byte[] receiveBlinded(
      BufferAllocator allocator, Frame f, long received, long receiverRows) {
    byte[] elements =
        ArrowFrames.readElements(allocator, f.payload(), X25519Blinding.LENGTH, config.batchSize());
    if (received + elements.length / X25519Blinding.LENGTH > receiverRows) {
      throw violation("the receiver sent more rows than it announced");
    }
    return elements;
  }

  private void answerInOrder(BufferAllocator allocator, X25519Blinding b, long receiverRows) {
    long received = 0;
    while (true) {
      Frame f = io.receive(FrameType.BLINDED, FrameType.END);
      if (f.type() == FrameType.END) {
        expectEnd(f, FrameType.BLINDED, receiverRows);
        if (received != receiverRows) {
          throw violation("the receiver sent fewer rows than it announced");
        }
        io.send(FrameType.END, Control.end(FrameType.REPLY, receiverRows));
        return;
      }
      byte[] elements = receiveBlinded(allocator, f, received, receiverRows);
      int rows = elements.length / X25519Blinding.LENGTH;
      byte[] tags = blindBatch(b, elements);
      received += rows;
      progress.update(PsiProgress.Stage.RECEIVED, received);
      io.send(
          FrameType.REPLY, ArrowFrames.writeElements(allocator, tags, rows, PsiConfig.TAG_LENGTH));
      progress.update(PsiProgress.Stage.SENT, received);
    }
  }

  private void answerShuffled(BufferAllocator allocator, X25519Blinding b, long receiverRows) {
    int tag = PsiConfig.TAG_LENGTH;
    if (receiverRows > (Integer.MAX_VALUE - 8) / tag) {
      throw new SluiceException(
          ErrorCode.RESOURCE_EXHAUSTED,
          "psi-cardinality holds at most " + (Integer.MAX_VALUE - 8) / tag + " receiver rows");
    }
    byte[] all = new byte[(int) receiverRows * tag];
    long received = 0;
    while (true) {
      Frame f = io.receive(FrameType.BLINDED, FrameType.END);
      if (f.type() == FrameType.END) {
        expectEnd(f, FrameType.BLINDED, receiverRows);
        if (received != receiverRows) {
          throw violation("the receiver sent fewer rows than it announced");
        }
        break;
      }
      byte[] elements = receiveBlinded(allocator, f, received, receiverRows);
      byte[] tags = blindBatch(b, elements);
      System.arraycopy(tags, 0, all, (int) (received * tag), tags.length);
      received += tags.length / tag;
      progress.update(PsiProgress.Stage.RECEIVED, received);
    }
    shuffle(all, (int) receiverRows, tag);
    int n = (int) receiverRows;
    for (int from = 0; from < n; from += config.batchSize()) {
      int rows = Math.min(config.batchSize(), n - from);
      byte[] part = new byte[rows * tag];
      System.arraycopy(all, from * tag, part, 0, part.length);
      io.send(FrameType.REPLY, ArrowFrames.writeElements(allocator, part, rows, tag));
      progress.update(PsiProgress.Stage.SENT, from + rows);
    }
    io.send(FrameType.END, Control.end(FrameType.REPLY, receiverRows));
  }

  /** Fisher-Yates over fixed-width records, with the session's SecureRandom. */
  private void shuffle(byte[] records, int n, int width) {
    byte[] tmp = new byte[width];
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      if (j != i) {
        System.arraycopy(records, i * width, tmp, 0, width);
        System.arraycopy(records, j * width, records, i * width, width);
        System.arraycopy(tmp, 0, records, j * width, width);
      }
    }
  }

  private CompletableFuture<byte[]> hashAndBlindAsync(X25519Blinding b, List<byte[]> batch) {
    byte[] domain = config.x25519Domain();
    byte[] out = new byte[batch.size() * X25519Blinding.LENGTH];
    return Parallel.forRanges(
        executor,
        batch.size(),
        Parallel.X25519_CHUNK,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            byte[] e = b.hashAndBlind(domain, batch.get(i));
            System.arraycopy(e, 0, out, i * X25519Blinding.LENGTH, X25519Blinding.LENGTH);
          }
        },
        () -> out);
  }

  /** H(y)^b of our own rows, one batch computed ahead while the previous one is sent. */
  private void sendOwnSet(
      BufferAllocator allocator, X25519Blinding b, long rowCount, Iterator<byte[]> keys) {
    long read = 0;
    long sent = 0;
    CompletableFuture<byte[]> next = null;
    int nextRows = 0;
    if (rowCount > 0) {
      nextRows = (int) Math.min(config.batchSize(), rowCount);
      next = hashAndBlindAsync(b, nextKeys(keys, nextRows));
      read = nextRows;
    }
    while (next != null) {
      byte[] packed = Parallel.join(next);
      int rows = nextRows;
      next = null;
      if (read < rowCount) {
        nextRows = (int) Math.min(config.batchSize(), rowCount - read);
        next = hashAndBlindAsync(b, nextKeys(keys, nextRows));
        read += nextRows;
      }
      progress.update(PsiProgress.Stage.BLINDED, sent + rows);
      io.send(
          FrameType.SENDER_SET,
          ArrowFrames.writeElements(allocator, packed, rows, X25519Blinding.LENGTH));
      sent += rows;
      progress.update(PsiProgress.Stage.SENT, sent);
    }
    checkExhausted(keys);
    io.send(FrameType.END, Control.end(FrameType.SENDER_SET, rowCount));
  }
}
