package io.sluice.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sluice.identity.Authority;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.TestAuthority;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.proto.v1.InfoRequest;
import io.sluice.proto.v1.InfoResponse;
import io.sluice.proto.v1.NodeServiceGrpc;
import io.sluice.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal case at a real TLS 1.3 handshake against a running node. */
class TlsHandshakeTest {
  @TempDir Path dir;
  TestAuthority ca;
  SluiceNode node;
  final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void startNode() {
    ca = TestAuthority.create(dir.resolve("ca"), "health");
    node =
        TestNodes.start(
            TestNodes.provision(ca, dir, "fund", List.of("medical-insurance-fund"), null));
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    node.close();
  }

  private InfoResponse callAs(TestAuthority.Issued client, String expectedServer) throws Exception {
    ManagedChannel channel = channel(client, expectedServer);
    return NodeServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .info(InfoRequest.getDefaultInstance());
  }

  private ManagedChannel channel(TestAuthority.Issued client, String expectedServer)
      throws Exception {
    var ssl =
        GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
            .keyManager(client.key(), client.certificate())
            .trustManager(
                ca.trust().trustManager(expectedServer, AuthorityTrust.RefusalListener.LOG))
            .protocols("TLSv1.3")
            .build();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", node.port())
            .negotiationType(NegotiationType.TLS)
            .sslContext(ssl)
            .build();
    channels.add(channel);
    return channel;
  }

  private void assertRefusedAtHandshake(TestAuthority.Issued client) {
    assertThatThrownBy(() -> callAs(client, "fund"))
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void infoReturnsTheCallerExactlyAsTheCertificateSaysIt() throws Exception {
    var insurer =
        ca.issue("insurer-a", List.of("commercial-insurer"), Map.of("industry", "insurance"));
    InfoResponse info = callAs(insurer, "fund");
    assertThat(info.getNode().getParticipantId()).isEqualTo("fund");
    assertThat(info.getCaller().getParticipantId()).isEqualTo("insurer-a");
    assertThat(info.getCaller().getRolesList()).containsExactly("commercial-insurer");
    assertThat(info.getCaller().getAttributesMap()).containsEntry("industry", "insurance");
    assertThat(info.getCaller().getSpace()).isEqualTo("health");
  }

  @Test
  void refusesForeignAuthority() {
    TestAuthority other = TestAuthority.create(dir.resolve("other"), "health");
    assertRefusedAtHandshake(other.issue("insurer-a", List.of("r"), Map.of()));
  }

  @Test
  void refusesExpiredCertificate() {
    MutableClock past = new MutableClock(Instant.now().minus(Duration.ofDays(10)));
    var expired =
        TestAuthority.issue(
            "insurer-a",
            List.of("r"),
            Map.of(),
            Authority.load(ca.dir, null, past),
            Duration.ofDays(1));
    assertRefusedAtHandshake(expired);
  }

  @Test
  void refusesNotYetValidCertificate() {
    MutableClock future = new MutableClock(Instant.now().plus(Duration.ofDays(10)));
    var early =
        TestAuthority.issue(
            "insurer-a",
            List.of("r"),
            Map.of(),
            Authority.load(ca.dir, null, future),
            Duration.ofDays(30));
    assertRefusedAtHandshake(early);
  }

  @Test
  void refusesTwoUriSans() {
    assertRefusedAtHandshake(ca.forge(TestAuthority.Forgery.twoUris("health")));
  }

  @Test
  void refusesCaFlaggedLeaf() {
    assertRefusedAtHandshake(ca.forge(TestAuthority.Forgery.caLeaf("health")));
  }

  @Test
  void refusesRevokedCertificateAfterLiveCrlUpdateOnNewAndExistingConnections() throws Exception {
    var insurer = ca.issue("insurer-a", List.of("commercial-insurer"), Map.of());
    ManagedChannel existing = channel(insurer, "fund");
    var stub = NodeServiceGrpc.newBlockingStub(existing);
    assertThat(
            stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                .info(InfoRequest.getDefaultInstance())
                .getCaller()
                .getParticipantId())
        .isEqualTo("insurer-a");

    ca.authority.revoke(insurer.certificate(), CRLReason.keyCompromise);

    assertRefusedAtHandshake(insurer);
    assertThatThrownBy(
            () ->
                stub.withDeadlineAfter(10, TimeUnit.SECONDS).info(InfoRequest.getDefaultInstance()))
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void clientRefusesAServerThatIsNotTheExpectedParticipant() {
    var insurer = ca.issue("insurer-a", List.of("r"), Map.of());
    assertThatThrownBy(() -> callAs(insurer, "somebody-else"))
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }
}
