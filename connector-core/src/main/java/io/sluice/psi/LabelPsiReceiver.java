package io.sluice.psi;

import io.sluice.crypto.oprf.OprfClient;
import io.sluice.crypto.oprf.OprfSuite;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The receiver of labelled PSI ({@code psi-label}) over the RFC 9497 OPRF P256-SHA256. It blinds
 * HashToGroup(x) for each of its <em>distinct</em> keys with a fresh random scalar, the sender
 * evaluates with its epoch key, and the receiver finalizes to F(k, x) for its own keys only; from F
 * it derives the match tag and entry key ({@link LabelCrypto}). It then receives the sender's whole
 * table (every tag is needed to know what matches), keeps the sealed entries whose tag matches one
 * of its keys, and, if the number of distinct matched keys reaches the minimum group size, opens
 * them and joins each entry's payloads to every row with that key. The others are never opened (nor
 * could be: their keys derive from F of keys it does not hold).
 *
 * <p>Learns: the matched rows, the payloads of every sender row with their key, the number of the
 * sender's distinct keys, and the table's padded entry length. Memory: per distinct key 32 bytes of
 * F plus about 26 bytes of tag index (and {@link DistinctKeys}); the table is streamed and only
 * matched sealed entries are kept.
 */
public final class LabelPsiReceiver extends Party {
  private static final int F_LENGTH = 32;

  /**
   * F(x) is kept in chunks of 2^20 keys (32 MiB): one array per batch would be a humongous object
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
   * @param rowCount the number of rows {@code keys} yields
   * @param keys the encoded join key of each row (at most 65535 bytes each), in row order; {@code
   *     null} for a row without one
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

  private record Pending(List<OprfClient.Blinded> blinded, byte[] elements) {}

  private record Match(long position, byte[] ciphertext, int head) {}

  private PsiReceiverResult runSession(BufferAllocator allocator, DistinctKeys keys) {
    int n = keys.size();
    if (n > config.maxReceiverRows()) {
      throw new SluiceException(
          ErrorCode.INPUT_LIMIT_EXCEEDED,
          "the receiver's "
              + n
              + " distinct keys exceed the agreement's limit of "
              + config.maxReceiverRows());
    }
    LabelCrypto crypto =
        new LabelCrypto(config.agreementId(), config.keyEpoch(), config.keyBinding());
    OprfClient client = new OprfClient(OprfSuite.P256_SHA256, random);
    io.send(FrameType.HELLO, Handshake.of(config, n).encode());
    Handshake peer = Handshake.decode(io.receive(FrameType.HELLO).payload());
    peer.checkAgainst(config, false);
    long senderKeys = peer.rowCount();

    TagIndex index = new TagIndex(n);
    byte[][] outputs = new byte[(n + (1 << F_CHUNK_BITS) - 1) >>> F_CHUNK_BITS][];
    for (int c = 0; c < outputs.length; c++) {
      long rows = Math.min(1L << F_CHUNK_BITS, n - ((long) c << F_CHUNK_BITS));
      outputs[c] = new byte[(int) rows * F_LENGTH];
    }
    query(allocator, client, crypto, keys, index, outputs);
    List<Match> matches = new ArrayList<>();
    long distinct = receiveTable(allocator, senderKeys, index, matches);

    PsiInput input = PsiInput.of(keys);
    if (distinct < config.minResultGroupSize()) {
      matches.clear();
      io.send(
          FrameType.RESULT,
          Control.result(PsiOutcome.WITHHELD, "withheld: below minimum group size"));
      return PsiReceiverResult.withheld(PsiMode.LABEL, input, senderKeys);
    }
    // RESULT goes out before the matched entries are opened: how long opening takes would
    // otherwise tell the sender roughly how many matched.
    io.send(FrameType.RESULT, Control.result(PsiOutcome.RELEASED, ""));
    List<LabelMatch> labels = join(keys, open(crypto, matches, outputs, n));
    BitSet rows = new BitSet();
    labels.forEach(m -> rows.set(m.receiverRow()));
    return new PsiReceiverResult(
        PsiOutcome.RELEASED,
        PsiMode.LABEL,
        input,
        senderKeys,
        OptionalLong.of(distinct),
        rows.stream().toArray(),
        labels);
  }

  /**
   * The table: every tag, keeping the sealed entries that match; returns the number of distinct
   * matched keys. Every entry must have the same length (the sender pads them so that their sizes
   * reveal nothing).
   */
  private long receiveTable(
      BufferAllocator allocator, long senderKeys, TagIndex index, List<Match> matches) {
    long position = 0;
    long distinct = 0;
    int entryLength = -1;
    while (true) {
      Frame f = io.receive(FrameType.SENDER_SET, FrameType.END);
      if (f.type() == FrameType.END) {
        expectEnd(f, FrameType.SENDER_SET, senderKeys);
        if (position != senderKeys) {
          throw violation("the sender's table is shorter than it announced");
        }
        return distinct;
      }
      ArrowFrames.TableBatch batch =
          ArrowFrames.readTable(
              allocator, f.payload(), config.batchSize(), LabelCrypto.MAX_CIPHERTEXT_BYTES);
      if (position + batch.rows() > senderKeys) {
        throw violation("the sender's table is longer than it announced");
      }
      for (int i = 0; i < batch.rows(); i++) {
        byte[] ct = batch.ciphertexts()[i];
        if (entryLength < 0) {
          entryLength = ct.length;
        } else if (ct.length != entryLength) {
          throw violation("the sender's table entries are not padded to one length");
        }
        int head = index.find(batch.tags(), i * PsiConfig.TAG_LENGTH);
        if (head >= 0) {
          if (!index.markHit(head)) {
            // An honest table has one entry per distinct key; a repeat would only make us hold
            // more.
            throw violation("the sender's table holds one key twice");
          }
          matches.add(new Match(position + i, ct, head));
          distinct++;
        }
      }
      position += batch.rows();
      progress.update(PsiProgress.Stage.RECEIVED, position);
      progress.update(PsiProgress.Stage.MATCHED, distinct);
    }
  }

  /**
   * Blind, send, finalize: stores F(k, x) of every distinct key in {@code outputs} (32 bytes per
   * key, in chunks) and fills the tag index in key order. Blinding of the next batch and finalizing
   * of answered ones run on the executor while the driver sends and receives.
   */
  private void query(
      BufferAllocator allocator,
      OprfClient client,
      LabelCrypto crypto,
      DistinctKeys keys,
      TagIndex index,
      byte[][] outputs) {
    int batchSize = config.batchSize();
    Ahead<Pending> batches =
        new Ahead<>(keys.size(), batchSize, (from, rows) -> blindAsync(client, keys, from, rows));
    ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    ArrayDeque<CompletableFuture<byte[][]>> finalizing = new ArrayDeque<>();
    long sent = 0;
    long received = 0;
    while (batches.hasNext() || !inFlight.isEmpty()) {
      if (batches.hasNext() && inFlight.size() < config.maxInFlightBatches()) {
        Pending p = batches.next().value();
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
    io.send(FrameType.END, Control.end(FrameType.BLINDED, keys.size()));
    expectEnd(io.receive(FrameType.END), FrameType.REPLY, keys.size());
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

  private CompletableFuture<Pending> blindAsync(
      OprfClient client, DistinctKeys keys, int first, int count) {
    OprfClient.Blinded[] blinded = new OprfClient.Blinded[count];
    byte[] elements = new byte[count * ELEMENT];
    return Parallel.forRanges(
        executor,
        count,
        Parallel.P256_CHUNK,
        (from, to) -> {
          List<byte[]> inputs = new ArrayList<>(to - from);
          for (int i = from; i < to; i++) {
            inputs.add(keys.key(first + i));
          }
          List<OprfClient.Blinded> part = client.blindAll(inputs);
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

  /**
   * Opens every matched entry (in parallel) and returns, per distinct key number, its sender rows'
   * payloads (null for keys that did not match).
   */
  private List<byte[]>[] open(LabelCrypto crypto, List<Match> matches, byte[][] outputs, int keys) {
    @SuppressWarnings("unchecked")
    List<byte[]>[] byKey = new List[keys];
    List<byte[]>[] opened = openAll(crypto, matches, outputs);
    for (int i = 0; i < matches.size(); i++) {
      int head = matches.get(i).head();
      if (byKey[head] == null) {
        byKey[head] = new ArrayList<>(opened[i]);
      } else {
        byKey[head].addAll(opened[i]); // only if the sender sent one key twice
      }
    }
    return byKey;
  }

  private List<byte[]>[] openAll(LabelCrypto crypto, List<Match> matches, byte[][] outputs) {
    @SuppressWarnings("unchecked")
    List<byte[]>[] plain = new List[matches.size()];
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
                plain[i] = LabelEntry.decode(crypto.open(f, m.ciphertext(), m.position()));
              }
            }));
    return plain;
  }

  /** One {@link LabelMatch} per (receiver row, payload), in row order. */
  private static List<LabelMatch> join(DistinctKeys keys, List<byte[]>[] byKey) {
    List<LabelMatch> labels = new ArrayList<>();
    for (int r = 0; r < keys.rows(); r++) {
      int k = keys.keyOfRow(r);
      if (k < 0) {
        continue;
      }
      List<byte[]> payloads = byKey[k];
      if (payloads == null) {
        continue;
      }
      for (byte[] p : payloads) {
        labels.add(new LabelMatch(r, p));
      }
    }
    return labels;
  }
}
