package io.sluice.node.compute;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sluice.compute.runtime.FrameObserver;
import io.sluice.compute.runtime.FrameVocabulary;
import io.sluice.compute.runtime.PeerChannel;
import io.sluice.compute.runtime.WireFrame;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.node.grpc.StatusMapping;
import io.sluice.proto.v1.ComputeMessage;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link PeerChannel} over a gRPC bidirectional stream of {@link ComputeMessage}s, for either
 * end, for any computation kind (its {@link FrameVocabulary} says which frames exist and which one
 * stops a session). Flow control runs both ways: we ask gRPC for the next inbound message only
 * after one was taken from the queue (so at most {@link #WINDOW} frames wait here), and {@link
 * #send} waits while the transport is not ready. The first message in each direction (start,
 * accept) is a control message outside the kind's protocol; see {@link #sendControl} and {@link
 * #receiveControl}.
 *
 * <p>Every frame sent and received is reported to a {@link FrameObserver} with the exact bytes, so
 * the audit log can record their digests.
 */
public final class GrpcPeerChannel implements PeerChannel, ControlChannel {
  /** Inbound messages requested ahead: enough for the protocol's in-flight window plus control. */
  static final int WINDOW = 16;

  private static final Object END = new Object();

  private final LinkedBlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
  private final Object readyLock = new Object();
  private final Object sendLock = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final int maxFrameBytes;
  private final String peer;
  private volatile CallStreamObserver<ComputeMessage> outbound;
  private volatile FrameObserver listener = FrameObserver.NONE;
  private volatile FrameVocabulary frames;
  private volatile boolean peerDone;

  private GrpcPeerChannel(int maxFrameBytes, String peer) {
    this.maxFrameBytes = maxFrameBytes;
    this.peer = peer;
  }

  /**
   * The server's end: wraps the response observer and returns the request observer to give gRPC.
   */
  public static GrpcPeerChannel server(
      StreamObserver<ComputeMessage> responses, int maxFrameBytes, String peer) {
    GrpcPeerChannel channel = new GrpcPeerChannel(maxFrameBytes, peer);
    ServerCallStreamObserver<ComputeMessage> out =
        (ServerCallStreamObserver<ComputeMessage>) responses;
    out.disableAutoRequest();
    out.setOnReadyHandler(channel::signalReady);
    out.setOnCancelHandler(
        () ->
            channel.peerEnded(
                new SluiceException(ErrorCode.CANCELLED, "the receiver cancelled the stream")));
    channel.outbound = out;
    // One message until the computation is admitted: a stream that names nothing valid cannot
    // park frames here (openWindow lets the rest in).
    out.request(1);
    return channel;
  }

  /** The observer gRPC feeds with the peer's messages (server end: return it from the service). */
  public StreamObserver<ComputeMessage> inbound() {
    return new StreamObserver<>() {
      @Override
      public void onNext(ComputeMessage message) {
        inbound.add(message);
      }

      @Override
      public void onError(Throwable t) {
        peerEnded(t);
      }

      @Override
      public void onCompleted() {
        peerEnded(END);
      }
    };
  }

  /**
   * The peer's side is over (completed, failed or cancelled): queue that for {@link #receive}, and
   * wake a {@link #send} waiting for the transport, which would otherwise never become ready.
   */
  private void peerEnded(Object how) {
    inbound.add(how);
    peerDone = true;
    signalReady();
  }

  /**
   * The client's end: the caller starts the call with {@link #responseObserver()} and then {@link
   * #attach}es the request stream gRPC returned.
   */
  public static GrpcPeerChannel client(int maxFrameBytes, String peer) {
    return new GrpcPeerChannel(maxFrameBytes, peer);
  }

  /** The response observer of a client call; it also takes over the call's flow control. */
  public ClientResponseObserver<ComputeMessage, ComputeMessage> responseObserver() {
    StreamObserver<ComputeMessage> in = inbound();
    return new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ComputeMessage> requests) {
        requests.disableAutoRequestWithInitial(WINDOW);
        requests.setOnReadyHandler(GrpcPeerChannel.this::signalReady);
        outbound = requests;
        if (closed.get()) {
          // stopped before the call started: end it at once rather than leave it open
          requests.cancel("the computation was stopped", null);
        }
      }

      @Override
      public void onNext(ComputeMessage value) {
        in.onNext(value);
      }

      @Override
      public void onError(Throwable t) {
        in.onError(t);
      }

      @Override
      public void onCompleted() {
        in.onCompleted();
      }
    };
  }

  /** Server end: lets the admitted session's flow-control window in (WINDOW messages ahead). */
  public void openWindow() {
    CallStreamObserver<ComputeMessage> out = outbound;
    if (out != null) {
      out.request(WINDOW - 1);
    }
  }

  /**
   * This channel as the kind's protocol sees it, except that the protocol's normal close leaves the
   * stream open: the node still exchanges the notice of use and the audit heads after the
   * protocol's last frame, and closes the stream itself. An abort still reaches the peer as the
   * kind's stop frame.
   */
  public PeerChannel protocolView() {
    GrpcPeerChannel channel = this;
    return new PeerChannel() {
      @Override
      public String peer() {
        return channel.peer();
      }

      @Override
      public void send(WireFrame frame) {
        channel.send(frame);
      }

      @Override
      public WireFrame receive(Duration timeout) {
        return channel.receive(timeout);
      }

      @Override
      public int maxFrameBytes() {
        return channel.maxFrameBytes();
      }

      @Override
      public void close() {
        // the node closes the stream once it is done with it
      }
    };
  }

  /** The frames of the admitted kind; until it is set, a frame from the peer is refused. */
  public void frames(FrameVocabulary vocabulary) {
    this.frames = vocabulary;
  }

  /** The admitted kind's frames. */
  public FrameVocabulary frames() {
    FrameVocabulary vocabulary = frames;
    if (vocabulary == null) {
      throw new IllegalStateException("no computation was admitted on this stream");
    }
    return vocabulary;
  }

  public void listener(FrameObserver listener) {
    this.listener = listener;
  }

  public long bytesSent() {
    return bytesSent.get();
  }

  public long bytesReceived() {
    return bytesReceived.get();
  }

  /** Sends a control message (start, accept, notice or its acknowledgement, heads). */
  @Override
  public void sendControl(ComputeMessage message) {
    awaitReady(false);
    synchronized (sendLock) {
      outbound.onNext(message);
    }
  }

  /** The next message, which must be a control message; a transport error becomes a typed error. */
  @Override
  public ComputeMessage receiveControl(Duration timeout) {
    Object o = take(timeout);
    if (o instanceof ComputeMessage m && m.getBodyCase() != ComputeMessage.BodyCase.FRAME) {
      return m;
    }
    throw new SluiceException(
        ErrorCode.PROTOCOL_VIOLATION, peer + " did not open the computation as expected");
  }

  @Override
  public String peer() {
    return peer;
  }

  @Override
  public void send(WireFrame frame) {
    if (closed.get()) {
      throw new SluiceException(ErrorCode.CANCELLED, "the computation was cancelled");
    }
    FrameVocabulary vocabulary = frames;
    if (vocabulary == null) {
      throw new SluiceException(ErrorCode.INTERNAL, "no computation was admitted on this stream");
    }
    boolean urgent = vocabulary.stops(frame.type());
    if (peerDone && !urgent) {
      throw new SluiceException(ErrorCode.STREAM_TRUNCATED, peer + " closed the stream");
    }
    byte[] bytes = frame.encode();
    awaitReady(urgent);
    synchronized (sendLock) {
      if (closed.get()) {
        throw new SluiceException(ErrorCode.CANCELLED, "the computation was cancelled");
      }
      if (peerDone && !urgent) {
        throw new SluiceException(ErrorCode.STREAM_TRUNCATED, peer + " closed the stream");
      }
      try {
        outbound.onNext(ComputeMessage.newBuilder().setFrame(ByteString.copyFrom(bytes)).build());
      } catch (IllegalStateException e) {
        throw new SluiceException(
            ErrorCode.STREAM_TRUNCATED, "the stream to " + peer + " is closed");
      }
    }
    bytesSent.addAndGet(bytes.length);
    listener.sent(peer, frame, bytes);
  }

  @Override
  public WireFrame receive(Duration timeout) {
    if (closed.get()) {
      throw new SluiceException(ErrorCode.CANCELLED, "the computation was cancelled");
    }
    Object o = take(timeout);
    if (!(o instanceof ComputeMessage m) || m.getBodyCase() != ComputeMessage.BodyCase.FRAME) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, peer + " sent a message that is not a frame");
    }
    FrameVocabulary vocabulary = frames;
    if (vocabulary == null) {
      throw new SluiceException(
          ErrorCode.PROTOCOL_VIOLATION, peer + " sent a frame before the computation was admitted");
    }
    byte[] bytes = m.getFrame().toByteArray();
    bytesReceived.addAndGet(bytes.length);
    WireFrame frame = WireFrame.decode(bytes, maxFrameBytes, vocabulary);
    listener.received(peer, frame, bytes);
    return frame;
  }

  private Object take(Duration timeout) {
    Object o;
    try {
      o = inbound.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException(ErrorCode.CANCELLED, "interrupted");
    }
    if (o == null) {
      throw new SluiceException(
          ErrorCode.DEADLINE_EXCEEDED, peer + " sent nothing in " + timeout.toSeconds() + " s");
    }
    if (o == END) {
      peerDone = true;
      inbound.add(END); // every later receive sees the end too
      throw new SluiceException(ErrorCode.STREAM_TRUNCATED, peer + " ended the stream");
    }
    if (o instanceof SluiceException e) {
      peerDone = true;
      inbound.add(o);
      throw e;
    }
    if (o instanceof Throwable t) {
      peerDone = true;
      inbound.add(o);
      if (t instanceof StatusRuntimeException s) {
        SluiceException typed = StatusMapping.fromStatus(s, peer);
        throw typed.category() == io.sluice.error.ErrorCategory.UNAVAILABLE
                && s.getStatus().getCode() != Status.Code.UNAVAILABLE
                && s.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED
            ? new SluiceException(ErrorCode.STREAM_TRUNCATED, typed.getMessage())
            : typed;
      }
      throw new SluiceException(ErrorCode.STREAM_TRUNCATED, peer + ": the stream failed");
    }
    // one message consumed: let one more in
    CallStreamObserver<ComputeMessage> out = outbound;
    if (out != null) {
      out.request(1);
    }
    return o;
  }

  private void signalReady() {
    synchronized (readyLock) {
      readyLock.notifyAll();
    }
  }

  /** Waits while the transport's send buffer is full (a CANCEL does not wait). */
  private void awaitReady(boolean urgent) {
    CallStreamObserver<ComputeMessage> out = outbound;
    if (out == null) {
      throw new SluiceException(ErrorCode.INTERNAL, "the stream has not started");
    }
    if (urgent) {
      return;
    }
    synchronized (readyLock) {
      while (!out.isReady() && !closed.get() && !peerDone) {
        try {
          readyLock.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SluiceException(ErrorCode.CANCELLED, "interrupted");
        }
      }
    }
  }

  @Override
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /**
   * Ends our half of the stream (normal end). A thread still waiting in {@link #receive} wakes up
   * with CANCELLED at once instead of waiting out its timeout.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      synchronized (sendLock) {
        try {
          outbound.onCompleted();
        } catch (RuntimeException ignored) {
          // already cancelled or completed
        }
      }
      wakeReceivers();
      signalReady();
    }
  }

  private void wakeReceivers() {
    inbound.add(new SluiceException(ErrorCode.CANCELLED, "the computation was cancelled"));
  }

  /** Ends the stream with an error the peer will see as a typed status. */
  public void fail(SluiceException error) {
    if (closed.compareAndSet(false, true)) {
      synchronized (sendLock) {
        try {
          outbound.onError(StatusMapping.toStatus(error));
        } catch (RuntimeException ignored) {
          // already closed
        }
      }
      wakeReceivers();
      signalReady();
    }
  }
}
