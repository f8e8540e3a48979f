package io.sluice.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.sluice.audit.EventType;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.PemFiles;
import io.sluice.identity.TestAuthority;
import io.sluice.node.ShiftedClock;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connection outlives the handshake that opened it: a long-lived stream (here {@code
 * Health/Watch}, which stays open until cancelled) with a peer that becomes revoked or expires is
 * cut within seconds, by the server when its client no longer passes and by the client when its
 * server no longer does, over real mTLS sockets.
 */
class OpenStreamCutTest {
  static final Duration WITHIN = Duration.ofSeconds(10);

  @TempDir Path dir;
  TestAuthority ca;
  AuthorityTrust trust;
  final List<SluiceNode> nodes = new ArrayList<>();
  final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void authority() {
    ca = TestAuthority.create(dir.resolve("ca"), "health");
    trust = ca.trust();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    nodes.forEach(SluiceNode::close);
  }

  SluiceNode start(
      String participant, Map<String, Integer> peers, Duration validity, ShiftedClock clock) {
    Path config =
        TestNodes.provision(ca, dir, participant, List.of("r"), null, 0, peers, "", validity);
    SluiceNode node = TestNodes.start(config, clock);
    nodes.add(node);
    return node;
  }

  /** A Health/Watch stream: its responses, and how it ended. */
  static final class Watch implements StreamObserver<HealthCheckResponse> {
    final List<HealthCheckResponse.ServingStatus> seen = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();

    static Watch open(ManagedChannel channel) {
      Watch w = new Watch();
      HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), w);
      Awaitility.await().atMost(WITHIN).until(() -> !w.seen.isEmpty());
      return w;
    }

    @Override
    public void onNext(HealthCheckResponse value) {
      seen.add(value.getStatus());
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.OK);
    }

    Status awaitEnd() throws Exception {
      return ended.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
    }
  }

  /** A client holding {@code client}'s certificate, through the node's own client code. */
  ManagedChannel client(TestAuthority.Issued client, SluiceNode server, String participant) {
    PeerChannels peers = new PeerChannels(client.credentials(trust), trust, Map.of(), 8 << 20);
    closeables.add(peers);
    ManagedChannel channel =
        peers.open(participant, new PeerChannels.Address("127.0.0.1", server.port()));
    closeables.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  static void assertCut(SluiceNode by, String peer, String reason) {
    List<ObjectNode> cut = TestNodes.audited(by, EventType.CALL_REFUSED);
    assertThat(cut)
        .anySatisfy(
            d -> {
              assertThat(d.get("peer").asText()).isEqualTo(peer);
              assertThat(d.get("call").asText()).isEqualTo("open");
              assertThat(d.get("reason").asText()).contains(reason);
            });
  }

  @Test
  void aClientWhoseCertificateExpiresWhileItsStreamIsOpenIsCutWithinSeconds() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    SluiceNode fund = start("fund", Map.of(), Duration.ofDays(90), clock);
    var insurer =
        TestAuthority.issue("insurer-a", List.of("r"), Map.of(), ca.authority, Duration.ofDays(2));
    Watch watch = Watch.open(client(insurer, fund, "fund"));
    assertThat(watch.ended).isNotDone();

    clock.set(Instant.now().plus(Duration.ofDays(3)));

    Status ended = watch.awaitEnd();
    assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(ended.getDescription()).isEqualTo("authentication failed");
    assertCut(fund, "client", "expired at " + insurer.certificate().getNotAfter().toInstant());
  }

  @Test
  void aClientRevokedWhileItsStreamIsOpenIsCutWithinSeconds() throws Exception {
    SluiceNode fund = start("fund", Map.of(), Duration.ofDays(90), new ShiftedClock());
    var insurer = ca.issue("insurer-a", List.of("r"), Map.of());
    Watch watch = Watch.open(client(insurer, fund, "fund"));

    ca.authority.revoke(insurer.certificate(), CRLReason.keyCompromise);

    assertThat(watch.awaitEnd().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertCut(fund, "client", "is revoked (key_compromise");
  }

  @Test
  void aNodeCutsItsOwnStreamWhenTheServerItCallsIsRevoked() throws Exception {
    SluiceNode fund = start("fund", Map.of(), Duration.ofDays(90), new ShiftedClock());
    SluiceNode insurer =
        start("insurer-a", Map.of("fund", fund.port()), Duration.ofDays(90), new ShiftedClock());
    Watch watch = Watch.open(insurer.peers().channel("fund"));

    X509Certificate fundCert = PemFiles.readCertificate(dir.resolve("fund/node.crt"));
    ca.authority.revoke(fundCert, CRLReason.keyCompromise);

    assertThat(watch.awaitEnd().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertCut(insurer, "server", "certificate of fund");
    assertThat(TestNodes.audited(fund, EventType.CALL_REFUSED))
        .as("fund does not judge itself: the cut is the caller's")
        .isEmpty();
  }

  @Test
  void aNodeCutsItsOwnStreamWhenTheServerItCallsExpires() throws Exception {
    SluiceNode fund = start("fund", Map.of(), Duration.ofDays(2), new ShiftedClock());
    ShiftedClock insurerClock = new ShiftedClock();
    SluiceNode insurer =
        start("insurer-a", Map.of("fund", fund.port()), Duration.ofDays(90), insurerClock);
    Watch watch = Watch.open(insurer.peers().channel("fund"));

    insurerClock.set(Instant.now().plus(Duration.ofDays(3)));

    assertThat(watch.awaitEnd().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertCut(insurer, "server", "expired at");
  }
}
