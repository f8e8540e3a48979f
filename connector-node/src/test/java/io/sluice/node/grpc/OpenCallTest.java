package io.sluice.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A cut from another thread: told to the client once, cancellation delivered once, in order. */
class OpenCallTest {
  /** The transport's side of a call: what it was told. */
  static final class Transport extends ServerCall<String, String> {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {
      events.add("headers");
    }

    @Override
    public void sendMessage(String message) {
      events.add("message " + message);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      events.add("close " + status.getCode());
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public MethodDescriptor<String, String> getMethodDescriptor() {
      return null;
    }
  }

  /** A handler that records its callbacks and can be held inside one. */
  static final class Handler extends ServerCall.Listener<String> {
    final List<String> callbacks = new CopyOnWriteArrayList<>();
    final CountDownLatch inside = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void onMessage(String message) {
      callbacks.add("message " + message);
      inside.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      callbacks.add("message done");
    }

    @Override
    public void onCancel() {
      callbacks.add("cancel");
    }

    @Override
    public void onComplete() {
      callbacks.add("complete");
    }
  }

  @Test
  void aCutWhileTheHandlerIsBusyCancelsItOnceWhenItsCallbackReturns() throws Exception {
    Transport transport = new Transport();
    AtomicInteger ended = new AtomicInteger();
    OpenCall<String, String> call = new OpenCall<>(transport, null, c -> ended.incrementAndGet());
    Handler handler = new Handler();
    ServerCall.Listener<String> listener = call.listen(handler);

    Thread grpc = new Thread(() -> listener.onMessage("first"));
    grpc.start();
    assertThat(handler.inside.await(10, TimeUnit.SECONDS)).isTrue();

    call.cut(
        Status.UNAUTHENTICATED); // from the watch thread, while the handler is inside onMessage
    assertThat(transport.events).containsExactly("close UNAUTHENTICATED");
    assertThat(call.isCancelled()).isTrue();
    assertThat(handler.callbacks).containsExactly("message first");

    call.sendMessage("late"); // the handler does not know yet: nothing more reaches the client
    call.close(Status.OK, new Metadata());
    handler.release.countDown();
    grpc.join(10_000);

    assertThat(handler.callbacks).containsExactly("message first", "message done", "cancel");
    listener.onComplete(); // the transport reports the end of the stream it closed
    listener.onMessage("after");
    assertThat(handler.callbacks).containsExactly("message first", "message done", "cancel");
    assertThat(transport.events).containsExactly("close UNAUTHENTICATED");
    assertThat(ended.get()).isPositive();
  }

  @Test
  void aCutOfAnIdleCallCancelsAtOnceAndACallThatEndedIsNotCut() {
    Transport transport = new Transport();
    OpenCall<String, String> idle = new OpenCall<>(transport, null, c -> {});
    Handler handler = new Handler();
    idle.listen(handler);
    idle.cut(Status.UNAUTHENTICATED);
    idle.cut(Status.UNAUTHENTICATED);
    assertThat(handler.callbacks).containsExactly("cancel");
    assertThat(transport.events).containsExactly("close UNAUTHENTICATED");

    Transport other = new Transport();
    OpenCall<String, String> finished = new OpenCall<>(other, null, c -> {});
    Handler done = new Handler();
    ServerCall.Listener<String> listener = finished.listen(done);
    finished.close(Status.OK, new Metadata());
    listener.onComplete();
    finished.cut(Status.UNAUTHENTICATED);
    assertThat(done.callbacks).containsExactly("complete");
    assertThat(other.events).containsExactly("close OK");
  }
}
