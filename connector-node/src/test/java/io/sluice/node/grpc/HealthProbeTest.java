package io.sluice.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.sluice.identity.Authority;
import io.sluice.identity.TestAuthority;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.DemoSpace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Orchestrator probes reach gRPC health on a plaintext port that serves nothing else. */
class HealthProbeTest {
  @TempDir Path dir;

  @Test
  void plaintextHealthPortAnswersServingAndOnlyHealth() throws Exception {
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
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", probePort).usePlaintext().build();
      try {
        HealthCheckResponse response =
            HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () ->
                    io.sluice.proto.v1.NodeServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .info(io.sluice.proto.v1.InfoRequest.getDefaultInstance()))
            .hasMessageContaining("UNIMPLEMENTED");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aNodeStartedWithAnExpiredCrlIsNotServingWithTheReasonUntilAFreshCrlIsInPlace()
      throws Exception {
    int probePort = DemoSpace.freePort();
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    Path config =
        TestNodes.provision(
            ca,
            dir,
            "fund",
            List.of("medical-insurance-fund"),
            null,
            DemoSpace.freePort(),
            Map.of(),
            "health:\n  listen: 127.0.0.1:" + probePort + "\n");
    // The authority last signed its CRL ten days ago, valid for one day; the grace is one hour.
    Clock tenDaysAgo = Clock.offset(Clock.systemUTC(), Duration.ofDays(-10));
    Authority.load(ca.dir, null, tenDaysAgo).refreshCrl(Duration.ofDays(1));
    Path passphrase = dir.resolve("pass.txt");
    Files.writeString(passphrase, "unused\n");

    try (SluiceNode node = TestNodes.start(config)) {
      CliRunner.Result health = health(probePort);
      assertThat(health.exitCode()).isEqualTo(1);
      assertThat(health.out().strip()).isEqualTo("NOT_SERVING");
      assertThat(health.err()).contains("revocation cannot be checked").contains("number 2");
      ManagedChannel probe =
          NettyChannelBuilder.forAddress("127.0.0.1", probePort).usePlaintext().build();
      try {
        assertThat(
                HealthGrpc.newBlockingStub(probe)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(NodeHealth.LIVENESS).build())
                    .getStatus())
            .as("alive, waiting for a CRL: a liveness probe must not restart it")
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      } finally {
        probe.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      CliRunner.Result status = CliRunner.run("node", "status", "--config", config.toString());
      assertThat(status.exitCode()).isEqualTo(1);
      assertThat(status.err())
          .startsWith("sluice: " + config + ": identity.crl: revocation cannot be checked")
          .contains("sluice authority crl");

      CliRunner.Result refreshed =
          CliRunner.run(
              "authority",
              "crl",
              "--dir",
              ca.dir.toString(),
              "--passphrase-file",
              passphrase.toString());
      assertThat(refreshed.exitCode()).as(refreshed.err()).isZero();

      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(health(probePort).exitCode()).isZero());
      CliRunner.Result works = CliRunner.run("node", "status", "--config", config.toString());
      assertThat(works.exitCode()).as(works.err()).isZero();
      assertThat(TestNodes.audited(node, io.sluice.audit.EventType.CRL_EXPIRED)).hasSize(1);
      assertThat(TestNodes.audited(node, io.sluice.audit.EventType.CRL_CURRENT)).hasSize(1);
    }
  }

  @Test
  void aNodeWhoseOwnCertificateExpiredIsNotServingAndSaysSo() {
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
            "health:\n  listen: 127.0.0.1:" + probePort + "\n",
            Duration.ofDays(2));
    io.sluice.node.ShiftedClock clock = new io.sluice.node.ShiftedClock();
    try (SluiceNode node = TestNodes.start(config, clock)) {
      assertThat(health(probePort).exitCode()).isZero();
      clock.set(java.time.Instant.now().plus(Duration.ofDays(3)));
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                CliRunner.Result h = health(probePort);
                assertThat(h.exitCode()).isEqualTo(1);
                assertThat(h.err())
                    .contains("this node's certificate does not pass")
                    .contains("expired at")
                    .contains("sluice node renew");
              });
    }
  }

  static CliRunner.Result health(int port) {
    return CliRunner.run("node", "health", "--address", "127.0.0.1:" + port);
  }
}
