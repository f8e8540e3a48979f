package io.sluice.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.sluice.identity.TestAuthority;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.proto.v1.InfoRequest;
import io.sluice.proto.v1.InfoResponse;
import io.sluice.proto.v1.NodeServiceGrpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes on real sockets with encrypted keys: each Info returns the caller from its
 * certificate.
 */
class ThreeNodeMeshTest {
  @TempDir Path dir;

  @Test
  void everyNodeAuthenticatesEveryOtherFromTheClientCertificate() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    Map<String, List<String>> roles =
        Map.of(
            "fund", List.of("medical-insurance-fund"),
            "insurer-a", List.of("commercial-insurer"),
            "oem", List.of("automotive-oem", "operator"));
    Map<String, SluiceNode> nodes = new LinkedHashMap<>();
    try {
      for (var e : roles.entrySet()) {
        Path config =
            TestNodes.provision(
                ca, dir, e.getKey(), e.getValue(), ("pass-" + e.getKey()).toCharArray());
        nodes.put(e.getKey(), TestNodes.start(config));
      }
      List<String> seen = new ArrayList<>();
      for (SluiceNode caller : nodes.values()) {
        for (SluiceNode callee : nodes.values()) {
          if (caller == callee) {
            continue;
          }
          String calleeId = callee.identity().participant();
          ManagedChannel channel =
              caller.peers().open(calleeId, new PeerChannels.Address("127.0.0.1", callee.port()));
          try {
            InfoResponse info =
                NodeServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .info(InfoRequest.getDefaultInstance());
            assertThat(info.getNode().getParticipantId()).isEqualTo(calleeId);
            assertThat(info.getCaller().getParticipantId())
                .isEqualTo(caller.identity().participant());
            assertThat(info.getCaller().getRolesList())
                .containsExactlyElementsOf(
                    roles.get(caller.identity().participant()).stream().sorted().toList());
            assertThat(info.getCaller().getCertificateSha256())
                .isEqualTo(caller.identity().certificateSha256());
            seen.add(info.getCaller().getParticipantId() + "->" + calleeId);
          } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
          }
        }
      }
      assertThat(seen).hasSize(6);
    } finally {
      nodes.values().forEach(SluiceNode::close);
    }
  }
}
