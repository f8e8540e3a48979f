package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link PsiChannel} pair in one process, for tests and benchmarks. Each direction is a bounded
 * queue of encoded frames: {@link #send} encodes the frame and blocks while the queue is full,
 * {@link #receive} decodes it with the channel's size limit, so everything the protocol sends goes
 * through {@link Frame#encode()} and {@link Frame#decode} exactly as over the network.
 *
 * <p>Optionally each end records every byte it sends ({@link #sentBytes()}, for leak tests), and a
 * {@link Tap} may rewrite, drop, duplicate or reorder encoded frames on their way (for tests of
 * corrupted, replayed and truncated streams).
 */
public final class InMemoryPsiChannel implements PsiChannel {

  /**
   * Sees each encoded frame an end sends and returns what actually travels: the frame itself,
   * nothing, a changed copy, or several frames.
   */
  @FunctionalInterface
  public interface Tap {
    /**
     * @param index 0 for the first frame this end sends
     */
    List<byte[]> onSend(int index, byte[] encoded);

    Tap NONE = (index, encoded) -> List.of(encoded);
  }

  /** The two ends of one session's channel. */
  public record Pair(InMemoryPsiChannel receiverEnd, InMemoryPsiChannel senderEnd) {}

  /** Options of a pair. */
  public record Options(
      int capacity, int maxFrameBytes, boolean record, Tap receiverTap, Tap senderTap) {
    public Options {
      if (capacity < 1) {
        throw new IllegalArgumentException("capacity must be positive");
      }
      if (maxFrameBytes < Frame.HEADER_LENGTH) {
        throw new IllegalArgumentException("maxFrameBytes too small");
      }
      Objects.requireNonNull(receiverTap, "receiverTap");
      Objects.requireNonNull(senderTap, "senderTap");
    }

    public static Options defaults() {
      return new Options(16, PsiConfig.DEFAULT_MAX_FRAME_BYTES, false, Tap.NONE, Tap.NONE);
    }

    public Options recording() {
      return new Options(capacity, maxFrameBytes, true, receiverTap, senderTap);
    }

    public Options withTaps(Tap receiverTap, Tap senderTap) {
      return new Options(capacity, maxFrameBytes, record, receiverTap, senderTap);
    }

    public Options withMaxFrameBytes(int maxFrameBytes) {
      return new Options(capacity, maxFrameBytes, record, receiverTap, senderTap);
    }
  }

  /** A connected pair. */
  public static Pair pair(Options options) {
    Queue toSender = new Queue(options.capacity());
    Queue toReceiver = new Queue(options.capacity());
    InMemoryPsiChannel r =
        new InMemoryPsiChannel(toReceiver, toSender, options, options.receiverTap());
    InMemoryPsiChannel s =
        new InMemoryPsiChannel(toSender, toReceiver, options, options.senderTap());
    return new Pair(r, s);
  }

  private final Queue inbound;
  private final Queue outbound;
  private final int maxFrameBytes;
  private final Tap tap;
  private final ByteArrayOutputStream recorded;
  private final AtomicLong bytesSent = new AtomicLong();
  private int sentFrames;

  private InMemoryPsiChannel(Queue inbound, Queue outbound, Options options, Tap tap) {
    this.inbound = inbound;
    this.outbound = outbound;
    this.maxFrameBytes = options.maxFrameBytes();
    this.tap = tap;
    this.recorded = options.record() ? new ByteArrayOutputStream() : null;
  }

  @Override
  public void send(Frame frame) {
    byte[] encoded = frame.encode();
    List<byte[]> out;
    synchronized (this) {
      out = tap.onSend(sentFrames++, encoded);
      for (byte[] b : out) {
        bytesSent.addAndGet(b.length);
        if (recorded != null) {
          recorded.writeBytes(b);
        }
      }
    }
    // A CANCEL overtakes flow control, as a transport's reset does, so that a party can always
    // stop a peer that has stopped reading.
    boolean urgent = frame.type() == FrameType.CANCEL;
    for (byte[] b : out) {
      outbound.put(b, urgent);
    }
  }

  @Override
  public Frame receive(Duration timeout) {
    return Frame.decode(inbound.take(timeout), maxFrameBytes);
  }

  @Override
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /** Ends our half: the peer drains what we sent and then sees the end; our waits fail. */
  @Override
  public void close() {
    outbound.closeWriter();
    inbound.closeReader();
  }

  /** Total encoded bytes this end has sent. */
  public long bytesSent() {
    return bytesSent.get();
  }

  /** Every byte this end sent, concatenated; only if the pair was created recording. */
  public synchronized byte[] sentBytes() {
    if (recorded == null) {
      throw new IllegalStateException("this channel was not created recording");
    }
    return recorded.toByteArray();
  }

  /** One direction: a bounded FIFO with a writer and a reader that can each close it. */
  private static final class Queue {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<byte[]> items = new ArrayDeque<>();
    private final int capacity;
    private boolean writerClosed;
    private boolean readerClosed;

    Queue(int capacity) {
      this.capacity = capacity;
    }

    void put(byte[] item, boolean urgent) {
      lock.lock();
      try {
        while (!urgent && items.size() >= capacity && !readerClosed && !writerClosed) {
          notFull.awaitUninterruptibly();
        }
        if (writerClosed) {
          throw new SluiceException(ErrorCode.CANCELLED, "PSI channel closed");
        }
        if (readerClosed) {
          throw new SluiceException(ErrorCode.STREAM_TRUNCATED, "the peer closed the PSI stream");
        }
        items.addLast(item);
        notEmpty.signal();
      } finally {
        lock.unlock();
      }
    }

    byte[] take(Duration timeout) {
      long nanos = timeout.toNanos();
      lock.lock();
      try {
        while (items.isEmpty() && !writerClosed && !readerClosed) {
          if (nanos <= 0) {
            throw new SluiceException(
                ErrorCode.DEADLINE_EXCEEDED, "no PSI frame from the peer within " + timeout);
          }
          try {
            nanos = notEmpty.awaitNanos(nanos);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SluiceException(ErrorCode.CANCELLED, "interrupted while receiving");
          }
        }
        if (readerClosed) {
          throw new SluiceException(ErrorCode.CANCELLED, "PSI channel closed");
        }
        if (items.isEmpty()) {
          throw new SluiceException(ErrorCode.STREAM_TRUNCATED, "the peer closed the PSI stream");
        }
        byte[] item = items.removeFirst();
        notFull.signal();
        return item;
      } finally {
        lock.unlock();
      }
    }

    void closeWriter() {
      lock.lock();
      try {
        writerClosed = true;
        notEmpty.signalAll();
        notFull.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void closeReader() {
      lock.lock();
      try {
        readerClosed = true;
        items.clear();
        notEmpty.signalAll();
        notFull.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }
}
