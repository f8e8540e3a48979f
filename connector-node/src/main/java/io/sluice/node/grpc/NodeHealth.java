package io.sluice.node.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;

/**
 * The node's {@code grpc.health.v1} status: SERVING, or NOT_SERVING with one line saying why, sent
 * in the {@value #REASON_HEADER} trailer of every health response (the health protocol has no field
 * for it), so that {@code sluice node health} and an orchestrator's log can show it.
 *
 * <p>The overall status (service {@code ""}) says whether the node serves its peers: it is
 * NOT_SERVING while the CRL is expired. Service {@value #LIVENESS} says only that the process runs,
 * for a liveness probe: restarting a node whose CRL expired would not help it.
 */
public final class NodeHealth {
  public static final String REASON_HEADER = "sluice-health-reason";

  /** The health service name that is SERVING from start to stop, whatever the CRL. */
  public static final String LIVENESS = "liveness";

  /** The trailer carrying the reason of a NOT_SERVING status. */
  public static final Metadata.Key<String> REASON =
      Metadata.Key.of(REASON_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private final HealthStatusManager manager = new HealthStatusManager();
  private volatile String reason;

  /** NOT_SERVING ("starting") until told otherwise. */
  public NodeHealth() {
    notServing("the node is starting");
    manager.setStatus(LIVENESS, ServingStatus.SERVING);
  }

  public void serving() {
    reason = null;
    manager.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
  }

  public void notServing(String why) {
    reason = ascii(why);
    manager.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
  }

  /** The health service, adding the reason trailer while NOT_SERVING. */
  public ServerServiceDefinition service() {
    return ServerInterceptors.intercept(manager.getHealthService(), new ReasonTrailer());
  }

  /** NOT_SERVING for good: the node is stopping. */
  public void stop() {
    reason = "the node is stopping";
    manager.enterTerminalState();
  }

  /** Printable ASCII only, as the trailer's marshaller requires; at most 500 characters. */
  static String ascii(String text) {
    StringBuilder b = new StringBuilder(Math.min(text.length(), 500));
    for (int i = 0; i < text.length() && b.length() < 500; i++) {
      char c = text.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }

  private final class ReasonTrailer implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      return next.startCall(
          new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
              String why = reason;
              if (why != null) {
                trailers.put(REASON, why);
              }
              super.close(status, trailers);
            }
          },
          headers);
    }
  }
}
