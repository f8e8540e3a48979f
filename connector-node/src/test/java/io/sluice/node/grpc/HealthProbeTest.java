package io.sluice.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.sluice.identity.TestAuthority;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.demo.DemoSpace;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
}
