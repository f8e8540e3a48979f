package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.sluice.identity.TestAuthority;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.demo.DemoSpace;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice node health}: the exit code a container health check relies on. */
class NodeHealthCommandTest {
  @TempDir Path dir;

  @Test
  void servingNodeExitsZero() {
    int probePort = DemoSpace.freePort();
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    Path config =
        TestNodes.provision(
            ca,
            dir,
            "fund",
            List.of("medical-insurance-fund"),
            null,
            0,
            Map.of(),
            "health:\n  listen: 127.0.0.1:" + probePort + "\n");
    try (SluiceNode node = TestNodes.start(config)) {
      Cli r = Cli.run("node", "health", "--address", "127.0.0.1:" + probePort);
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out().strip()).isEqualTo("SERVING");
      assertThat(r.err()).isEmpty();
    }
  }

  @Test
  void notServingPrintsTheReasonTheNodeGivesOnStderr() throws Exception {
    io.sluice.node.grpc.NodeHealth health = new io.sluice.node.grpc.NodeHealth();
    health.notServing("revocation cannot be checked: the CRL (number 4) expired");
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(health.service())
            .build()
            .start();
    try {
      Cli r = Cli.run("node", "health", "--address", "127.0.0.1:" + server.getPort());
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.out().strip()).isEqualTo("NOT_SERVING");
      assertThat(r.err().strip())
          .isEqualTo("sluice: revocation cannot be checked: the CRL (number 4) expired");
      health.serving();
      Cli again = Cli.run("node", "health", "--address", "127.0.0.1:" + server.getPort());
      assertThat(again.exitCode()).isZero();
      assertThat(again.err()).isEmpty();
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void nothingListeningExitsOneWithOneLine() {
    int port = DemoSpace.freePort();
    Cli r = Cli.run("node", "health", "--address", "127.0.0.1:" + port);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err())
        .startsWith("sluice: health check of 127.0.0.1:" + port + " failed: connection refused")
        .doesNotContain("Exception");
  }

  @Test
  void notServingExitsOne() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.NOT_SERVING);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(health.getHealthService())
            .build()
            .start();
    try {
      Cli r = Cli.run("node", "health", "--address", "127.0.0.1:" + server.getPort());
      assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
      assertThat(r.out().strip()).isEqualTo("NOT_SERVING");
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void silentPeerTimesOutAfterTheGivenTimeout() throws Exception {
    // accepts TCP connections (the kernel backlog) but never speaks HTTP/2
    try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      long start = System.nanoTime();
      Cli r =
          Cli.run(
              "node",
              "health",
              "--address",
              "127.0.0.1:" + silent.getLocalPort(),
              "--timeout",
              "300ms");
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.err()).contains("no answer within 300ms");
      assertThat(elapsedMillis).isGreaterThanOrEqualTo(300).isLessThan(10_000);
    }
  }

  @Test
  void badAddressOrTimeoutIsAUsageError() {
    assertThat(Cli.run("node", "health", "--address", "localhost").exitCode()).isEqualTo(2);
    assertThat(Cli.run("node", "health", "--address", "::1:8081").err()).contains("[::1]:PORT");
    assertThat(Cli.run("node", "health", "--address", "h:0").exitCode()).isEqualTo(2);
    assertThat(Cli.run("node", "health", "--address", "h:1", "--timeout", "3 seconds").exitCode())
        .isEqualTo(2);
    assertThat(Cli.run("node", "health", "--address", "h:1", "--timeout", "0s").exitCode())
        .isEqualTo(2);
  }
}
