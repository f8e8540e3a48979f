package io.sluice.node.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.sluice.error.ErrorCategory;
import io.sluice.error.SluiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns exceptions escaping a service into statuses via {@link StatusMapping}, so services throw
 * {@link SluiceException} and never build a {@code Status} themselves. Internal errors are logged
 * here with their cause; the peer sees only "internal error".
 */
public final class ErrorMappingInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(ErrorMappingInterceptor.class);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(call, headers);
    } catch (RuntimeException e) {
      close(call, e);
      return new ServerCall.Listener<>() {};
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        try {
          super.onMessage(message);
        } catch (RuntimeException e) {
          close(call, e);
        }
      }

      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } catch (RuntimeException e) {
          close(call, e);
        }
      }

      @Override
      public void onReady() {
        try {
          super.onReady();
        } catch (RuntimeException e) {
          close(call, e);
        }
      }
    };
  }

  private static void close(ServerCall<?, ?> call, RuntimeException e) {
    if (e instanceof StatusRuntimeException sre) {
      call.close(sre.getStatus(), sre.getTrailers() == null ? new Metadata() : sre.getTrailers());
      return;
    }
    if (!(e instanceof SluiceException s) || s.category() == ErrorCategory.INTERNAL) {
      log.error("{} failed", call.getMethodDescriptor().getFullMethodName(), e);
    }
    StatusRuntimeException status = StatusMapping.toStatus(e);
    try {
      call.close(status.getStatus(), status.getTrailers());
    } catch (IllegalStateException alreadyClosed) {
      // the service closed the call before failing; nothing more to tell the peer
    }
  }
}
