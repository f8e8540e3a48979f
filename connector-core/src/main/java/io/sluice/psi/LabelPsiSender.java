package io.sluice.psi;

import io.sluice.crypto.oprf.OprfPrivateKey;
import io.sluice.crypto.oprf.OprfServer;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The sender of labelled PSI ({@code psi-label}): answers the receiver's blinded elements with
 * {@code BlindEvaluate} under its epoch key (every element strictly decoded first: 33 bytes,
 * compressed, on the curve, not the identity, else {@code INVALID_POINT}), in order, then streams
 * its precomputed {@link SenderTable}. It learns the number of the receiver's distinct keys and the
 * outcome, nothing else. Online work: one P-256 multiplication per receiver key; the table is built
 * ahead of time.
 */
public final class LabelPsiSender extends Party {
  private static final int ELEMENT = 33;

  private final OprfServer server;
  private final SenderTable table;

  /**
   * @param key the OPRF key of the table's epoch
   * @param table built with {@code key} for this agreement and epoch
   */
  public LabelPsiSender(
      PsiConfig config,
      PsiChannel channel,
      BufferAllocator allocator,
      Executor executor,
      SecureRandom random,
      PsiProgress progress,
      OprfPrivateKey key,
      SenderTable table) {
    super(config, channel, allocator, executor, random, progress);
    if (config.mode() != PsiMode.LABEL) {
      throw new IllegalArgumentException("LabelPsiSender runs psi-label");
    }
    this.table = Objects.requireNonNull(table, "table");
    if (!table.agreementId().equals(config.agreementId())
        || !table.keyEpoch().equals(config.keyEpoch())
        || !table.keyColumns().equals(config.keyColumns())) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "the sender table belongs to another agreement, epoch or key definition");
    }
    if (!table.builtWith(key)) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "the sender table was built with another OPRF key");
    }
    this.server = new OprfServer(key);
  }

  /** Runs the session to its end. */
  public PsiSenderResult run() {
    return drive("sender", this::runSession);
  }

  private PsiSenderResult runSession(BufferAllocator allocator) {
    Handshake peer = Handshake.decode(io.receive(FrameType.HELLO).payload());
    peer.checkAgainst(config, true);
    if (table.rows() > config.maxSenderRows()) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED, "the sender's rows exceed the configured limit");
    }
    long receiverKeys = peer.rowCount();
    io.send(FrameType.HELLO, Handshake.of(config, table.rows()).encode());
    evaluate(allocator, receiverKeys);
    sendTable(allocator);
    Control.Result result = Control.decodeResult(io.receive(FrameType.RESULT).payload());
    return new PsiSenderResult(result.outcome(), receiverKeys, table.input());
  }

  private void evaluate(BufferAllocator allocator, long receiverRows) {
    long received = 0;
    while (true) {
      Frame f = io.receive(FrameType.BLINDED, FrameType.END);
      if (f.type() == FrameType.END) {
        expectEnd(f, FrameType.BLINDED, receiverRows);
        if (received != receiverRows) {
          throw violation("the receiver sent fewer keys than it announced");
        }
        io.send(FrameType.END, Control.end(FrameType.REPLY, receiverRows));
        return;
      }
      byte[] blinded =
          ArrowFrames.readElements(allocator, f.payload(), ELEMENT, config.batchSize());
      int rows = blinded.length / ELEMENT;
      if (received + rows > receiverRows) {
        throw violation("the receiver sent more keys than it announced");
      }
      byte[] evaluated = new byte[blinded.length];
      Parallel.join(
          Parallel.forRanges(
              executor,
              rows,
              Parallel.P256_CHUNK,
              (from, to) -> {
                List<byte[]> in = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                  byte[] e = new byte[ELEMENT];
                  System.arraycopy(blinded, i * ELEMENT, e, 0, ELEMENT);
                  in.add(e);
                }
                List<byte[]> out = server.blindEvaluateAll(in);
                for (int i = from; i < to; i++) {
                  System.arraycopy(out.get(i - from), 0, evaluated, i * ELEMENT, ELEMENT);
                }
              }));
      received += rows;
      progress.update(PsiProgress.Stage.BLINDED, received);
      io.send(FrameType.REPLY, ArrowFrames.writeElements(allocator, evaluated, rows, ELEMENT));
      progress.update(PsiProgress.Stage.SENT, received);
    }
  }

  /** The whole table in position order, frames of at most batchSize rows and half a max frame. */
  private void sendTable(BufferAllocator allocator) {
    byte[][] cts = table.ciphertexts();
    long budget = io.maxFrameBytes() / 2;
    int from = 0;
    while (from < cts.length) {
      int to = from;
      long bytes = 0;
      while (to < cts.length
          && to - from < config.batchSize()
          && (to == from || bytes + cts[to].length + 16 <= budget)) {
        bytes += cts[to].length + 16;
        to++;
      }
      io.send(FrameType.SENDER_SET, ArrowFrames.writeTable(allocator, table.tags(), cts, from, to));
      from = to;
      progress.update(PsiProgress.Stage.SENT, from);
    }
    io.send(FrameType.END, Control.end(FrameType.SENDER_SET, cts.length));
  }
}
