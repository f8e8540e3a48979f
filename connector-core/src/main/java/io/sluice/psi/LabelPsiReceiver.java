package io.sluice.psi;

import io.sluice.crypto.oprf.OprfClient;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The receiver of labelled PSI ({@code psi-label}) over the RFC 9497 OPRF P256-SHA256. It blinds
 * HashToGroup(x) for each of its rows with a fresh random scalar, the sender evaluates with its
 * epoch key, and the receiver finalizes to F(k, x) for its own rows only; from F it derives the
 * match tag and payload key ({@link LabelCrypto}). It then receives the sender's whole table (every
 * tag is needed to know what matches), keeps the sealed payloads whose tag matches one of its rows,
 * and, if the number of distinct matched keys reaches the minimum group size, opens them. The
 * others are never opened (nor could be: their keys derive from F of keys it does not hold).
 *
 * <p>Learns: the matched rows, their payloads (one per matching sender row), the sender's row
 * count. Memory: per receiver row 32 bytes of F plus about 26 bytes of tag index; the table is
 * streamed and only matched sealed payloads are kept.
 */
public final class LabelPsiReceiver extends Party {
  private static final int F_LENGTH = 32;

  /**
   * F(x) is kept in chunks of 2^20 rows (32 MiB): one array per batch would be a humongous object
   * of just over 1 MiB that costs two 1 MiB G1 regions, doubling its footprint.
   */
  private static final int F_CHUNK_BITS = 20;

  private static final int ELEMENT = 33;

  public LabelPsiReceiver(
      PsiConfig config,
      PsiChannel channel,
      BufferAllocator allocator,
      Executor executor,
      SecureRandom random,
      PsiProgress progress) {
    super(config, channel, allocator, executor, random, progress);
    if (config.mode() != PsiMode.LABEL) {
      throw new IllegalArgumentException("LabelPsiReceiver runs psi-label");
    }
  }

  /**
   * Runs the session to its end.
   *
   * @param rowCount the number of keys {@code keys} yields (announced to the sender first)
   * @param keys the encoded join key of each row (at most 65535 bytes each), in row order
   */
  public PsiReceiverResult run(long rowCount, Iterator<byte[]> keys) {
    return drive("receiver", allocator -> runSession(allocator, rowCount, keys));
  }

  private record Pending(List<OprfClient.Blinded> blinded, byte[] elements) {}

  private record Match(long position, byte[] ciphertext, int head) {}

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
    LabelCrypto crypto = new LabelCrypto(config.agreementId(), config.keyEpoch());
    OprfClient client = new OprfClient(OprfSuite.P256_SHA256, random);
    io.send(FrameType.HELLO, Handshake.of(config, rowCount).encode());
    Handshake peer = Handshake.decode(io.receive(FrameType.HELLO).payload());
    peer.checkAgainst(config, false);
    long senderRows = peer.rowCount();

    TagIndex index = new TagIndex((int) rowCount);
    byte[][] outputs = new byte[(int) ((rowCount + (1 << F_CHUNK_BITS) - 1) >>> F_CHUNK_BITS)][];
    for (int c = 0; c < outputs.length; c++) {
      long rows = Math.min(1L << F_CHUNK_BITS, rowCount - ((long) c << F_CHUNK_BITS));
      outputs[c] = new byte[(int) rows * F_LENGTH];
    }
    query(allocator, client, crypto, rowCount, keys, index, outputs);

    // The table: every tag, keeping sealed payloads that match.
    List<Match> matches = new ArrayList<>();
    long position = 0;
    long distinct = 0;
    while (true) {
      Frame f = io.receive(FrameType.SENDER_SET, FrameType.END);
      if (f.type() == FrameType.END) {
        expectEnd(f, FrameType.SENDER_SET, senderRows);
        if (position != senderRows) {
          throw violation("the sender's table is shorter than it announced");
        }
        break;
      }
      ArrowFrames.TableBatch batch =
          ArrowFrames.readTable(
              allocator, f.payload(), config.batchSize(), LabelCrypto.MAX_CIPHERTEXT_BYTES);
      if (position + batch.rows() > senderRows) {
        throw violation("the sender's table is longer than it announced");
      }
      for (int i = 0; i < batch.rows(); i++) {
        int head = index.find(batch.tags(), i * PsiConfig.TAG_LENGTH);
        if (head >= 0) {
          matches.add(new Match(position + i, batch.ciphertexts()[i], head));
          if (index.markHit(head)) {
            distinct++;
          }
        }
      }
      position += batch.rows();
      progress.update(PsiProgress.Stage.RECEIVED, position);
      progress.update(PsiProgress.Stage.MATCHED, distinct);
    }

    if (distinct < config.minResultGroupSize()) {
      matches.clear();
      io.send(
          FrameType.RESULT,
          Control.result(PsiOutcome.WITHHELD, "withheld: below minimum group size"));
      return PsiReceiverResult.withheld(PsiMode.LABEL, rowCount, senderRows);
    }
    List<LabelMatch> labels = open(crypto, matches, outputs, index);
    BitSet rows = new BitSet();
    labels.forEach(m -> rows.set(m.receiverRow()));
    io.send(FrameType.RESULT, Control.result(PsiOutcome.RELEASED, ""));
    return new PsiReceiverResult(
        PsiOutcome.RELEASED,
        PsiMode.LABEL,
        rowCount,
        senderRows,
        OptionalLong.of(distinct),
        rows.stream().toArray(),
        labels);
  }

  /**
   * Blind, send, finalize: stores F(k, x) of every row in {@code outputs} (32 bytes per row, in
   * chunks) and fills the tag index in row order. Blinding of the next batch and finalizing of
   * answered ones run on the executor while the driver sends and receives.
   */
  private void query(
      BufferAllocator allocator,
      OprfClient client,
      LabelCrypto crypto,
      long rowCount,
      Iterator<byte[]> keys,
      TagIndex index,
      byte[][] outputs) {
    int batchSize = config.batchSize();
    ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    ArrayDeque<CompletableFuture<byte[][]>> finalizing = new ArrayDeque<>();
    long read = 0;
    long sent = 0;
    long received = 0;
    CompletableFuture<Pending> next = null;
    if (read < rowCount) {
      int n = (int) Math.min(batchSize, rowCount - read);
      next = blindAsync(client, nextKeys(keys, n));
      read += n;
    }
    while (next != null || !inFlight.isEmpty()) {
      if (next != null && inFlight.size() < config.maxInFlightBatches()) {
        Pending p = Parallel.join(next);
        next = null;
        if (read < rowCount) {
          int n = (int) Math.min(batchSize, rowCount - read);
          next = blindAsync(client, nextKeys(keys, n));
          read += n;
        }
        int rows = p.blinded().size();
        progress.update(PsiProgress.Stage.BLINDED, sent + rows);
        io.send(
            FrameType.BLINDED, ArrowFrames.writeElements(allocator, p.elements(), rows, ELEMENT));
        inFlight.addLast(p);
        sent += rows;
        progress.update(PsiProgress.Stage.SENT, sent);
        continue;
      }
      Frame f = io.receive(FrameType.REPLY);
      byte[] evaluated = ArrowFrames.readElements(allocator, f.payload(), ELEMENT, batchSize);
      Pending p = inFlight.removeFirst();
      if (evaluated.length != p.blinded().size() * ELEMENT) {
        throw violation("a reply batch does not answer its blinded batch row for row");
      }
      finalizing.addLast(finalizeAsync(client, crypto, p.blinded(), evaluated));
      received += p.blinded().size();
      while (finalizing.size() > config.maxInFlightBatches()) {
        drainOne(finalizing, outputs, index);
      }
      progress.update(PsiProgress.Stage.RECEIVED, received);
    }
    while (!finalizing.isEmpty()) {
      drainOne(finalizing, outputs, index);
    }
    checkExhausted(keys);
    io.send(FrameType.END, Control.end(FrameType.BLINDED, rowCount));
    expectEnd(io.receive(FrameType.END), FrameType.REPLY, rowCount);
  }

  private static int offset(int row) {
    return (row & ((1 << F_CHUNK_BITS) - 1)) * F_LENGTH;
  }

  private static void drainOne(
      ArrayDeque<CompletableFuture<byte[][]>> finalizing, byte[][] outputs, TagIndex index) {
    byte[][] done = Parallel.join(finalizing.removeFirst());
    byte[] f = done[0];
    byte[] tags = done[1];
    for (int off = 0, i = 0; off < tags.length; off += PsiConfig.TAG_LENGTH, i++) {
      int row = index.add(tags, off);
      System.arraycopy(f, i * F_LENGTH, outputs[row >>> F_CHUNK_BITS], offset(row), F_LENGTH);
    }
  }

  private CompletableFuture<Pending> blindAsync(OprfClient client, List<byte[]> batch) {
    OprfClient.Blinded[] blinded = new OprfClient.Blinded[batch.size()];
    byte[] elements = new byte[batch.size() * ELEMENT];
    return Parallel.forRanges(
        executor,
        batch.size(),
        Parallel.P256_CHUNK,
        (from, to) -> {
          List<OprfClient.Blinded> part = client.blindAll(batch.subList(from, to));
          for (int i = from; i < to; i++) {
            blinded[i] = part.get(i - from);
            byte[] e = blinded[i].blindedElement();
            if (e.length != ELEMENT) {
              throw new SluiceException(ErrorCode.INTERNAL, "unexpected P-256 element length");
            }
            System.arraycopy(e, 0, elements, i * ELEMENT, ELEMENT);
          }
        },
        () -> new Pending(List.of(blinded), elements));
  }

  /** Finalize (validates every evaluated element) and derive tags: {F values, tags}. */
  private CompletableFuture<byte[][]> finalizeAsync(
      OprfClient client, LabelCrypto crypto, List<OprfClient.Blinded> blinded, byte[] evaluated) {
    int rows = blinded.size();
    byte[] f = new byte[rows * F_LENGTH];
    byte[] tags = new byte[rows * PsiConfig.TAG_LENGTH];
    return Parallel.forRanges(
        executor,
        rows,
        Parallel.P256_CHUNK,
        (from, to) -> {
          List<byte[]> elements = new ArrayList<>(to - from);
          for (int i = from; i < to; i++) {
            byte[] e = new byte[ELEMENT];
            System.arraycopy(evaluated, i * ELEMENT, e, 0, ELEMENT);
            elements.add(e);
          }
          List<byte[]> out = client.finalizeAll(blinded.subList(from, to), elements);
          for (int i = from; i < to; i++) {
            byte[] fi = out.get(i - from);
            System.arraycopy(fi, 0, f, i * F_LENGTH, F_LENGTH);
            crypto.tag(fi, tags, i * PsiConfig.TAG_LENGTH);
          }
        },
        () -> new byte[][] {f, tags});
  }

  /** Opens every matched payload (in parallel); one per (receiver row, matching sender row). */
  private List<LabelMatch> open(
      LabelCrypto crypto, List<Match> matches, byte[][] outputs, TagIndex index) {
    byte[][] plain = new byte[matches.size()][];
    int batchSize = config.batchSize();
    Parallel.join(
        Parallel.forRanges(
            executor,
            matches.size(),
            Parallel.P256_CHUNK,
            (from, to) -> {
              byte[] f = new byte[F_LENGTH];
              for (int i = from; i < to; i++) {
                Match m = matches.get(i);
                System.arraycopy(
                    outputs[m.head() >>> F_CHUNK_BITS], offset(m.head()), f, 0, F_LENGTH);
                plain[i] = crypto.open(f, m.ciphertext(), m.position());
              }
            }));
    List<LabelMatch> labels = new ArrayList<>();
    for (int i = 0; i < plain.length; i++) {
      for (int row = matches.get(i).head(); row >= 0; row = index.next(row)) {
        labels.add(new LabelMatch(row, plain[i]));
      }
    }
    // Stable: for one receiver row, payloads stay in table order.
    labels.sort(Comparator.comparingInt(LabelMatch::receiverRow));
    return labels;
  }
}
