package io.sluice.node.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.regex.Pattern;

/**
 * The trace id of a negotiation or computation travels in the {@code sluice-trace-id} header so
 * both sides' audit entries share it. Only well-formed ids are accepted from peers.
 */
public final class TraceIds {
  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("sluice-trace-id", Metadata.ASCII_STRING_MARSHALLER);
  static final Context.Key<String> CURRENT = Context.key("sluice-trace-id");
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private TraceIds() {}

  /** The trace id of the current server call, or empty. */
  public static String current() {
    String id = CURRENT.get();
    return id == null ? "" : id;
  }

  /** Reads the header into the call's context. */
  public static ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String id = headers.get(HEADER);
        if (id == null || !VALID.matcher(id).matches()) {
          return next.startCall(call, headers);
        }
        return Contexts.interceptCall(
            Context.current().withValue(CURRENT, id), call, headers, next);
      }
    };
  }

  /** Adds {@code traceId} as a header to every call made through the intercepted channel. */
  public static ClientInterceptor clientInterceptor(String traceId) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(
            next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            if (traceId != null && VALID.matcher(traceId).matches()) {
              headers.put(HEADER, traceId);
            }
            super.start(listener, headers);
          }
        };
      }
    };
  }
}
