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
 * secret scalar a it sends H(x)^a for each of its rows, gets back (H(x)^a)^b as truncated tags (in
 * row order for {@code psi}, shuffled for {@code psi-cardinality}), receives the sender's H(y)^b,
 * raises them to a, and compares tags. Learns: for {@code psi} which of its rows match, for {@code
 * psi-cardinality} only how many distinct keys match; in both, the sender's row count. Semi-honest
 * security under the gap Diffie-Hellman assumption on Curve25519 and its twist, with H a random
 * oracle.
 *
 * <p>Memory: the index of its own tags, about 26 bytes per receiver row, plus a few batches in
 * flight. Everything from the sender is streamed.
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
   * @param rowCount the number of keys {@code keys} yields (announced to the sender first)
   * @param keys the encoded join key of each row, in row order
   */
  public PsiReceiverResult run(long rowCount, Iterator<byte[]> keys) {
    return drive("receiver", allocator -> runSession(allocator, rowCount, keys));
  }

  private PsiReceiverResult runSession(
      BufferAllocator allocator, long rowCount, Iterator<byte[]> keys) {
    if (rowCount < 0 || rowCount > config.maxReceiverRows()) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED,
          "the receiver's "
              + rowCount
              + " rows exceed the agreement's limit of "
              + config.maxReceiverRows());
    }
    try (X25519Blinding a = X25519Blinding.newSession(random)) {
      io.send(FrameType.HELLO, Handshake.of(config, rowCount).encode());
      Handshake peer = Handshake.decode(io.receive(FrameType.HELLO).payload());
      peer.checkAgainst(config, false);
      long senderRows = peer.rowCount();

      TagIndex index = new TagIndex((int) rowCount);
      if (config.mode() == PsiMode.PSI) {
        sendAndCollectInOrder(allocator, a, rowCount, keys, index);
      } else {
        sendAll(allocator, a, rowCount, keys);
        collectShuffled(allocator, rowCount, index);
      }
      BitSet matched = config.mode() == PsiMode.PSI ? new BitSet((int) rowCount) : null;
      long distinct = matchSenderSet(allocator, a, senderRows, index, matched);

      if (distinct < config.minResultGroupSize()) {
        io.send(
            FrameType.RESULT,
            Control.result(PsiOutcome.WITHHELD, "withheld: below minimum group size"));
        return PsiReceiverResult.withheld(config.mode(), rowCount, senderRows);
      }
      io.send(FrameType.RESULT, Control.result(PsiOutcome.RELEASED, ""));
      int[] rows = matched == null ? new int[0] : matched.stream().toArray();
      return new PsiReceiverResult(
          PsiOutcome.RELEASED,
          config.mode(),
          rowCount,
          senderRows,
          OptionalLong.of(distinct),
          rows,
          List.of());
    }
  }

  /** H(x)^a for a batch of keys, packed 32 bytes each, computed on the executor. */
  private CompletableFuture<byte[]> blindAsync(X25519Blinding a, List<byte[]> batch) {
    byte[] domain = config.x25519Domain();
    byte[] out = new byte[batch.size() * X25519Blinding.LENGTH];
    return Parallel.forRanges(
        executor,
        batch.size(),
        Parallel.X25519_CHUNK,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            byte[] b = a.hashAndBlind(domain, batch.get(i));
            System.arraycopy(b, 0, out, i * X25519Blinding.LENGTH, X25519Blinding.LENGTH);
          }
        },
        () -> out);
  }

  /** psi: blinded batches out, in-order tag batches back, at most maxInFlight unanswered. */
  private void sendAndCollectInOrder(
      BufferAllocator allocator,
      X25519Blinding a,
      long rowCount,
      Iterator<byte[]> keys,
      TagIndex index) {
    int batchSize = config.batchSize();
    ArrayDeque<Integer> inFlight = new ArrayDeque<>();
    long read = 0;
    long sent = 0;
    long received = 0;
    CompletableFuture<byte[]> next = null;
    int nextRows = 0;
    if (read < rowCount) {
      nextRows = (int) Math.min(batchSize, rowCount - read);
      next = blindAsync(a, nextKeys(keys, nextRows));
      read += nextRows;
    }
    while (next != null || !inFlight.isEmpty()) {
      if (next != null && inFlight.size() < config.maxInFlightBatches()) {
        byte[] packed = Parallel.join(next);
        int rows = nextRows;
        progress.update(PsiProgress.Stage.BLINDED, sent + rows);
        next = null;
        if (read < rowCount) {
          nextRows = (int) Math.min(batchSize, rowCount - read);
          next = blindAsync(a, nextKeys(keys, nextRows));
          read += nextRows;
        }
        io.send(
            FrameType.BLINDED,
            ArrowFrames.writeElements(allocator, packed, rows, X25519Blinding.LENGTH));
        inFlight.addLast(rows);
        sent += rows;
        progress.update(PsiProgress.Stage.SENT, sent);
        continue;
      }
      Frame f = io.receive(FrameType.REPLY);
      byte[] tags =
          ArrowFrames.readElements(allocator, f.payload(), PsiConfig.TAG_LENGTH, batchSize);
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
    checkExhausted(keys);
    io.send(FrameType.END, Control.end(FrameType.BLINDED, rowCount));
    expectEnd(io.receive(FrameType.END), FrameType.REPLY, rowCount);
  }

  /** psi-cardinality: every blinded batch out (the sender must see all before it shuffles). */
  private void sendAll(
      BufferAllocator allocator, X25519Blinding a, long rowCount, Iterator<byte[]> keys) {
    long read = 0;
    CompletableFuture<byte[]> next = null;
    int nextRows = 0;
    if (rowCount > 0) {
      nextRows = (int) Math.min(config.batchSize(), rowCount);
      next = blindAsync(a, nextKeys(keys, nextRows));
      read = nextRows;
    }
    long sent = 0;
    while (next != null) {
      byte[] packed = Parallel.join(next);
      int rows = nextRows;
      next = null;
      if (read < rowCount) {
        nextRows = (int) Math.min(config.batchSize(), rowCount - read);
        next = blindAsync(a, nextKeys(keys, nextRows));
        read += nextRows;
      }
      progress.update(PsiProgress.Stage.BLINDED, sent + rows);
      io.send(
          FrameType.BLINDED,
          ArrowFrames.writeElements(allocator, packed, rows, X25519Blinding.LENGTH));
      sent += rows;
      progress.update(PsiProgress.Stage.SENT, sent);
    }
    checkExhausted(keys);
    io.send(FrameType.END, Control.end(FrameType.BLINDED, rowCount));
  }

  /** psi-cardinality: the shuffled tags of our doubly blinded keys. */
  private void collectShuffled(BufferAllocator allocator, long rowCount, TagIndex index) {
    long received = 0;
    while (true) {
      Frame f = io.receive(FrameType.REPLY, FrameType.END);
      if (f.type() == FrameType.END) {
        expectEnd(f, FrameType.REPLY, rowCount);
        if (received != rowCount) {
          throw violation("fewer replies than blinded rows");
        }
        return;
      }
      byte[] tags =
          ArrowFrames.readElements(
              allocator, f.payload(), PsiConfig.TAG_LENGTH, config.batchSize());
      int rows = tags.length / PsiConfig.TAG_LENGTH;
      if (received + rows > rowCount) {
        throw violation("more replies than blinded rows");
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
   * distinct matched keys and marks matched rows in {@code matched} (psi only).
   */
  private long matchSenderSet(
      BufferAllocator allocator,
      X25519Blinding a,
      long senderRows,
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
            ArrowFrames.readElements(
                allocator, f.payload(), X25519Blinding.LENGTH, config.batchSize());
        int rows = elements.length / X25519Blinding.LENGTH;
        if (received + rows > senderRows) {
          throw violation("the sender sent more rows than it announced");
        }
        received += rows;
        current = tagsAsync(a, elements, rows);
      }
      if (pending != null) {
        distinct += match(Parallel.join(pending), index, matched);
        progress.update(PsiProgress.Stage.MATCHED, distinct);
      }
      pending = current;
      progress.update(PsiProgress.Stage.RECEIVED, received);
      if (f.type() == FrameType.END) {
        expectEnd(f, FrameType.SENDER_SET, senderRows);
        if (received != senderRows) {
          throw violation("the sender sent fewer rows than it announced");
        }
        return distinct;
      }
    }
  }

  /** Checks each received H(y)^b (canonical, not low order) and returns tags of (H(y)^b)^a. */
  private CompletableFuture<byte[]> tagsAsync(X25519Blinding a, byte[] elements, int rows) {
    byte[] tags = new byte[rows * PsiConfig.TAG_LENGTH];
    return Parallel.forRanges(
        executor,
        rows,
        Parallel.X25519_CHUNK,
        (from, to) -> {
          byte[] e = new byte[X25519Blinding.LENGTH];
          for (int i = from; i < to; i++) {
            System.arraycopy(elements, i * X25519Blinding.LENGTH, e, 0, X25519Blinding.LENGTH);
            X25519Blinding.requireCanonical(e);
            byte[] d = a.blind(e);
            System.arraycopy(d, 0, tags, i * PsiConfig.TAG_LENGTH, PsiConfig.TAG_LENGTH);
          }
        },
        () -> tags);
  }

  private static long match(byte[] tags, TagIndex index, BitSet matched) {
    long distinct = 0;
    for (int off = 0; off < tags.length; off += PsiConfig.TAG_LENGTH) {
      int head = index.find(tags, off);
      if (head >= 0 && index.markHit(head)) {
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
