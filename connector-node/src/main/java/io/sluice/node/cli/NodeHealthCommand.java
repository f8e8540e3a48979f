package io.sluice.node.cli;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.node.grpc.NodeHealth;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice node health}: asks a node's plaintext health port ({@code health.listen}) for
 * {@code grpc.health.v1.Health/Check}, as a container health check does. Exit code 0 only for
 * SERVING, so it can be a Docker {@code HEALTHCHECK} as it is.
 */
@Command(
    name = "health",
    mixinStandardHelpOptions = true,
    description =
        "Call grpc.health.v1 Health/Check over plaintext on a node's health port (health.listen)"
            + " and print the status (NOT_SERVING with its reason on stderr, e.g. an expired CRL);"
            + " exit 0 only when SERVING, 1 otherwise.")
final class NodeHealthCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(
      names = "--address",
      required = true,
      paramLabel = "HOST:PORT",
      converter = AddressConverter.class,
      description = "The node's health port, e.g. 127.0.0.1:8081 ([::1]:8081 for IPv6).")
  Address address;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "3s",
      converter = TimeoutConverter.class,
      description =
          "How long to wait for the answer, e.g. 500ms, 3s, 1m (default ${DEFAULT-VALUE}).")
  Duration timeout;

  /** A host and port; IPv6 hosts without brackets. */
  record Address(String host, int port) {
    @Override
    public String toString() {
      return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(address.host(), address.port())
            .usePlaintext()
            .maxInboundMessageSize(4096)
            .build();
    HealthCheckResponse.ServingStatus status;
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    try {
      status =
          HealthGrpc.newBlockingStub(channel)
              .withInterceptors(
                  MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
              .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus();
    } catch (StatusRuntimeException e) {
      throw new SluiceException(ErrorCode.UNAVAILABLE, describe(e), e);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    spec.commandLine().getOut().println(status.name());
    spec.commandLine().getOut().flush();
    String reason = trailers.get() == null ? null : trailers.get().get(NodeHealth.REASON);
    if (status != HealthCheckResponse.ServingStatus.SERVING && reason != null) {
      spec.commandLine().getErr().println("sluice: " + reason);
      spec.commandLine().getErr().flush();
    }
    return status == HealthCheckResponse.ServingStatus.SERVING ? 0 : 1;
  }

  private String describe(StatusRuntimeException e) {
    Status status = e.getStatus();
    String where = "health check of " + address + " failed: ";
    return switch (status.getCode()) {
      case DEADLINE_EXCEEDED -> where + "no answer within " + format(timeout);
      case UNIMPLEMENTED -> where + "it does not serve grpc.health.v1.Health";
      case UNAVAILABLE -> where + unavailableReason(e);
      default -> where + status.getCode();
    };
  }

  private static String unavailableReason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return "connection refused (is the node running with health.listen on this port?)";
      }
      if (t instanceof UnknownHostException) {
        return "unknown host";
      }
    }
    // e.g. the mTLS port closing a plaintext connection
    return "the connection failed (is this the plaintext health port, not the mTLS port?)";
  }

  static String format(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  /** {@code HOST:PORT} or {@code [IPv6]:PORT}. */
  static final class AddressConverter implements CommandLine.ITypeConverter<Address> {
    @Override
    public Address convert(String value) {
      int colon = value.lastIndexOf(':');
      if (colon <= 0 || colon == value.length() - 1) {
        throw new CommandLine.TypeConversionException("expected HOST:PORT, got '" + value + "'");
      }
      String host = value.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      } else if (host.indexOf(':') >= 0) {
        throw new CommandLine.TypeConversionException(
            "write an IPv6 address in brackets: [" + host + "]:PORT");
      }
      int port;
      try {
        port = Integer.parseInt(value.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("port in '" + value + "' is not a number");
      }
      if (host.isEmpty() || port < 1 || port > 65535) {
        throw new CommandLine.TypeConversionException(
            "expected HOST:PORT with a port 1-65535, got '" + value + "'");
      }
      return new Address(host, port);
    }
  }

  /** A positive duration: a whole number followed by ms, s or m. */
  static final class TimeoutConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");

    @Override
    public Duration convert(String value) {
      Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new CommandLine.TypeConversionException(
            "expected a duration such as 500ms, 3s or 1m, got '" + value + "'");
      }
      long n = Long.parseLong(m.group(1));
      Duration d =
          switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
          };
      if (d.isZero()) {
        throw new CommandLine.TypeConversionException("the timeout must be positive");
      }
      return d;
    }
  }
}
