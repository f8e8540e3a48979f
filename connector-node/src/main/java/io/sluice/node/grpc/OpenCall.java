package io.sluice.node.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.security.cert.X509Certificate;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * An authenticated call that can be cut from another thread while it runs: the client is told at
 * once ({@code UNAUTHENTICATED}), nothing more is sent, and the handler is cancelled as if the
 * client had gone away (its {@code onCancel} runs, so a computation stops and frees its memory).
 *
 * <p>{@link ServerCall} and its listener are not thread-safe, so every method that reaches the
 * transport takes one lock, and every listener callback another; a cut that finds the handler busy
 * leaves the cancellation for the handler's thread to deliver when its callback returns.
 */
final class OpenCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
  private final X509Certificate client;
  private final Consumer<OpenCall<?, ?>> ended;
  private final Object sending = new Object();
  private final ReentrantLock delivering = new ReentrantLock();
  private boolean closed; // guarded by sending
  private volatile boolean cut;
  private volatile boolean done;
  private ServerCall.Listener<Q> handler;

  OpenCall(ServerCall<Q, R> call, X509Certificate client, Consumer<OpenCall<?, ?>> ended) {
    super(call);
    this.client = client;
    this.ended = ended;
  }

  /** The client certificate the call was authenticated with. */
  X509Certificate client() {
    return client;
  }

  /** Wraps the handler's listener; calls go through it from now on. */
  ServerCall.Listener<Q> listen(ServerCall.Listener<Q> listener) {
    this.handler = listener;
    return new Guarded();
  }

  /**
   * Ends the call now with {@code status} (UNAUTHENTICATED, or UNAVAILABLE) and cancels its
   * handler.
   */
  void cut(Status status) {
    synchronized (sending) {
      if (closed) {
        return;
      }
      closed = true;
      cut = true;
      delegate().close(status, new Metadata());
    }
    ended.accept(this);
    deliverCancel();
  }

  @Override
  public void sendHeaders(Metadata headers) {
    synchronized (sending) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }
  }

  @Override
  public void sendMessage(R message) {
    synchronized (sending) {
      if (!closed) {
        super.sendMessage(message);
      }
    }
  }

  @Override
  public void close(Status status, Metadata trailers) {
    synchronized (sending) {
      if (closed) {
        return;
      }
      closed = true;
      super.close(status, trailers);
    }
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    synchronized (sending) {
      super.setMessageCompression(enabled);
    }
  }

  @Override
  public void setCompression(String compressor) {
    synchronized (sending) {
      super.setCompression(compressor);
    }
  }

  @Override
  public boolean isReady() {
    return !cut && super.isReady();
  }

  @Override
  public boolean isCancelled() {
    return cut || super.isCancelled();
  }

  /** Delivers the cut's cancellation unless a callback is running; that one delivers it after. */
  private void deliverCancel() {
    while (cut && !done && delivering.tryLock()) {
      try {
        if (!done) {
          finish();
          handler.onCancel();
        }
      } finally {
        delivering.unlock();
      }
    }
  }

  private void finish() {
    done = true;
    ended.accept(this);
  }

  /** The handler's listener, one callback at a time, none after the call ended. */
  private final class Guarded extends ForwardingServerCallListener<Q> {
    @Override
    protected ServerCall.Listener<Q> delegate() {
      return handler;
    }

    private void run(Runnable callback) {
      delivering.lock();
      try {
        if (!done) {
          callback.run();
        }
      } finally {
        delivering.unlock();
      }
      deliverCancel();
    }

    private void end(Runnable callback) {
      run(
          () -> {
            finish();
            callback.run();
          });
    }

    @Override
    public void onMessage(Q message) {
      run(() -> handler.onMessage(message));
    }

    @Override
    public void onHalfClose() {
      run(handler::onHalfClose);
    }

    @Override
    public void onReady() {
      run(handler::onReady);
    }

    @Override
    public void onCancel() {
      end(handler::onCancel);
    }

    @Override
    public void onComplete() {
      end(handler::onComplete);
    }
  }
}
