package io.sluice.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sluice.audit.EventType;
import io.sluice.identity.Authority;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.PeerIdentity;
import io.sluice.identity.PemFiles;
import io.sluice.identity.TestAuthority;
import io.sluice.node.ShiftedClock;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.cli.CliRunner;
import io.sluice.node.demo.DemoSpace;
import io.sluice.proto.v1.InfoRequest;
import io.sluice.proto.v1.InfoResponse;
import io.sluice.proto.v1.NodeServiceGrpc;
import io.sluice.testing.MutableClock;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;
import org.awaitility.Awaitility;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal at a real TLS 1.3 handshake against a running node, each asserting the failure
 * itself: the alert the refused side received and the check that fired, as the refusing side's
 * audit log (or its refusal listener) recorded it. A node that is down fails every one of them.
 */
class TlsHandshakeTest {
  static final Duration GRACE = Duration.ofMinutes(10);

  @TempDir Path dir;
  TestAuthority ca;
  AuthorityTrust trust;
  final ShiftedClock clock = new ShiftedClock();
  SluiceNode node;
  int healthPort;
  final Recorder refusals = new Recorder();
  final List<ManagedChannel> channels = new ArrayList<>();
  final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void startNode() {
    ca = TestAuthority.create(dir.resolve("ca"), "health");
    trust = ca.trust();
    healthPort = DemoSpace.freePort();
    Path config =
        TestNodes.provision(
            ca,
            dir,
            "fund",
            List.of("medical-insurance-fund"),
            null,
            0,
            Map.of(),
            "health:\n  listen: 127.0.0.1:" + healthPort + "\n",
            Duration.ofDays(90));
    // crlGraceSeconds goes into the identity block the provisioning wrote
    replaceInFile(config, "  key: node.key\n", "  key: node.key\n  crlGraceSeconds: 600\n");
    node = TestNodes.start(config, clock);
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
    node.close();
  }

  /** What a client-side refusal listener was told. */
  static final class Recorder implements PeerRefusals {
    final List<String> handshakes = new CopyOnWriteArrayList<>();
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void handshake(AuthorityTrust.PeerRole peer, String reason, X509Certificate leaf) {
      handshakes.add(peer + ": " + reason);
    }

    @Override
    public void call(
        AuthorityTrust.PeerRole peer, String reason, X509Certificate leaf, boolean open) {
      calls.add(peer + (open ? " open: " : " new: ") + reason);
    }
  }

  static void replaceInFile(Path file, String from, String to) {
    try {
      String text = java.nio.file.Files.readString(file);
      java.nio.file.Files.writeString(file, text.replace(from, to));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  TestAuthority.Issued issue(String participant) {
    return TestAuthority.issue(
        participant, List.of("commercial-insurer"), Map.of(), ca.authority, Duration.ofDays(90));
  }

  /** A channel through the node's own client code (PeerChannels), with the recording listener. */
  ManagedChannel ours(TestAuthority.Issued client, String expectedServer) {
    PeerChannels peers =
        new PeerChannels(client.credentials(trust), trust, Map.of(), 8 << 20, refusals);
    closeables.add(peers);
    ManagedChannel channel =
        peers.open(expectedServer, new PeerChannels.Address("127.0.0.1", node.port()));
    channels.add(channel);
    return channel;
  }

  /**
   * A hostile client's own TLS context: any key and certificate, the protocols it likes, and a
   * trust manager that accepts the real server (so only the server's checks can refuse it).
   */
  SslContext hostileContext(TestAuthority.Issued client, String... protocols) throws SSLException {
    return GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
        .keyManager(client.key(), client.certificate())
        .trustManager(trust.trustManager("fund", refusals.of(AuthorityTrust.PeerRole.SERVER)))
        .protocols(protocols.length == 0 ? new String[] {"TLSv1.3"} : protocols)
        .build();
  }

  ManagedChannel hostile(SslContext ssl) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", node.port())
            .negotiationType(NegotiationType.TLS)
            .sslContext(ssl)
            .build();
    channels.add(channel);
    return channel;
  }

  static InfoResponse info(ManagedChannel channel) {
    return NodeServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .info(InfoRequest.getDefaultInstance());
  }

  static StatusRuntimeException failing(ManagedChannel channel) {
    StatusRuntimeException e =
        catchThrowableOfType(() -> info(channel), StatusRuntimeException.class);
    assertThat(e).as("the call must fail").isNotNull();
    return e;
  }

  /** The TLS alert this side received, from the failure's causes, or null. */
  static String alertReceived(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      int at = m.indexOf("Received fatal alert: ");
      if (t instanceof SSLException && at >= 0) {
        return m.substring(at + "Received fatal alert: ".length()).trim();
      }
    }
    return null;
  }

  static boolean refusedByOurTrustManager(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateException && "peer certificate refused".equals(t.getMessage())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The node refused {@code client} at the handshake for {@code reason}; the client got the alert.
   */
  void assertServerRefused(StatusRuntimeException e, TestAuthority.Issued client, String reason) {
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(alertReceived(e))
        .as("the alert the client received")
        .isEqualTo("certificate_unknown");
    List<ObjectNode> refused = TestNodes.audited(node, EventType.HANDSHAKE_REFUSED);
    assertThat(refused)
        .as("the node's audit log names the check that fired")
        .anySatisfy(
            d -> {
              assertThat(d.get("peer").asText()).isEqualTo("client");
              assertThat(d.get("reason").asText()).contains(reason);
              assertThat(d.get("certificate").asText())
                  .isEqualTo(PeerIdentity.sha256Hex(client.certificate()));
            });
  }

  @Test
  void infoReturnsTheCallerExactlyAsTheCertificateSaysIt() {
    var insurer =
        TestAuthority.issue(
            "insurer-a",
            List.of("commercial-insurer"),
            Map.of("industry", "insurance"),
            ca.authority,
            Duration.ofDays(30));
    InfoResponse info = info(ours(insurer, "fund"));
    assertThat(info.getNode().getParticipantId()).isEqualTo("fund");
    assertThat(info.getCaller().getParticipantId()).isEqualTo("insurer-a");
    assertThat(info.getCaller().getRolesList()).containsExactly("commercial-insurer");
    assertThat(info.getCaller().getAttributesMap()).containsEntry("industry", "insurance");
    assertThat(info.getCaller().getSpace()).isEqualTo("health");
    assertThat(refusals.handshakes).isEmpty();
  }

  @Test
  void refusesForeignAuthority() throws Exception {
    TestAuthority other = TestAuthority.create(dir.resolve("other"), "health");
    var stranger = other.issue("insurer-a", List.of("r"), Map.of());
    assertServerRefused(
        failing(hostile(hostileContext(stranger))),
        stranger,
        "not issued by this data space's authority");
  }

  @Test
  void refusesExpiredCertificate() throws Exception {
    MutableClock past = new MutableClock(Instant.now().minus(Duration.ofDays(10)));
    var expired =
        TestAuthority.issue(
            "insurer-a",
            List.of("r"),
            Map.of(),
            Authority.load(ca.dir, null, past),
            Duration.ofDays(1));
    assertServerRefused(failing(hostile(hostileContext(expired))), expired, "expired at");
  }

  @Test
  void refusesNotYetValidCertificate() throws Exception {
    MutableClock future = new MutableClock(Instant.now().plus(Duration.ofDays(10)));
    var early =
        TestAuthority.issue(
            "insurer-a",
            List.of("r"),
            Map.of(),
            Authority.load(ca.dir, null, future),
            Duration.ofDays(30));
    assertServerRefused(failing(hostile(hostileContext(early))), early, "not valid before");
  }

  @Test
  void refusesTwoUriSans() throws Exception {
    var forged = ca.forge(TestAuthority.Forgery.twoUris("health"));
    assertServerRefused(failing(hostile(hostileContext(forged))), forged, "exactly one URI SAN");
  }

  @Test
  void refusesCaFlaggedLeaf() throws Exception {
    var forged = ca.forge(TestAuthority.Forgery.caLeaf("health"));
    assertServerRefused(failing(hostile(hostileContext(forged))), forged, "CA certificate");
  }

  @Test
  void refusesATls12ClientAtTheHandshake() throws Exception {
    var insurer = issue("insurer-a");
    StatusRuntimeException e = failing(hostile(hostileContext(insurer, "TLSv1.2")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(alertReceived(e)).isEqualTo("protocol_version");
    assertThat(info(ours(insurer, "fund")).getCaller().getParticipantId())
        .as("the same client over TLS 1.3 is accepted")
        .isEqualTo("insurer-a");
  }

  @Test
  void refusesRevokedCertificateAfterLiveCrlUpdateOnNewAndExistingConnections() throws Exception {
    var insurer = issue("insurer-a");
    ManagedChannel existing = ours(insurer, "fund");
    assertThat(info(existing).getCaller().getParticipantId()).isEqualTo("insurer-a");

    ca.authority.revoke(insurer.certificate(), CRLReason.keyCompromise);

    assertServerRefused(failing(hostile(hostileContext(insurer))), insurer, "is revoked");
    StatusRuntimeException onOpenConnection = failing(existing);
    assertThat(onOpenConnection.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(onOpenConnection.getStatus().getDescription()).isEqualTo("authentication failed");
    assertThat(TestNodes.audited(node, EventType.CALL_REFUSED))
        .anySatisfy(
            d -> {
              assertThat(d.get("peer").asText()).isEqualTo("client");
              assertThat(d.get("call").asText()).isEqualTo("new");
              assertThat(d.get("reason").asText()).contains("is revoked (key_compromise");
            });
  }

  @Test
  void clientRefusesAServerThatIsNotTheExpectedParticipant() {
    StatusRuntimeException e = failing(ours(issue("insurer-a"), "somebody-else"));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refusedByOurTrustManager(e)).as(e.toString()).isTrue();
    assertThat(refusals.handshakes)
        .singleElement()
        .asString()
        .contains("SERVER: expected to reach participant 'somebody-else' but the server is 'fund'");
  }

  @Test
  void clientRefusesARevokedServerOnNewAndCachedChannels() throws Exception {
    var insurer = issue("insurer-a");
    ManagedChannel cached = ours(insurer, "fund");
    assertThat(info(cached).getNode().getParticipantId()).isEqualTo("fund");

    X509Certificate fund = PemFiles.readCertificate(dir.resolve("fund/node.crt"));
    ca.authority.revoke(fund, CRLReason.keyCompromise);

    StatusRuntimeException onCached = failing(cached);
    assertThat(onCached.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(refusals.calls)
        .as("our client refused the call before sending it; the server would have answered")
        .singleElement()
        .asString()
        .startsWith("SERVER new: certificate of fund")
        .contains("is revoked");

    StatusRuntimeException onNew = failing(ours(insurer, "fund"));
    assertThat(onNew.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refusedByOurTrustManager(onNew)).as(onNew.toString()).isTrue();
    assertThat(refusals.handshakes)
        .anySatisfy(
            r -> assertThat(r).startsWith("SERVER: certificate of fund").contains("is revoked"));
  }

  @Test
  void refusesEveryPeerOnceItsCrlIsPastTheGraceAndAcceptsThemWithAFreshOne() throws Exception {
    var insurer = issue("insurer-a");
    ManagedChannel existing = ours(insurer, "fund");
    assertThat(info(existing).getCaller().getParticipantId()).isEqualTo("insurer-a");
    assertThat(health().exitCode()).isZero();

    Instant nextUpdate = crlNextUpdate();
    clock.set(nextUpdate.plus(GRACE).plusSeconds(30));

    StatusRuntimeException onOpenConnection = failing(existing);
    assertThat(onOpenConnection.getStatus().getCode())
        .as("the node cannot judge anyone now: retry later, this is not the client's fault")
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(onOpenConnection.getStatus().getDescription())
        .isEqualTo("not accepting peers now; try again later");

    assertServerRefused(failing(ours(insurer, "fund")), insurer, "revocation cannot be checked");
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              CliRunner.Result h = health();
              assertThat(h.exitCode()).isEqualTo(1);
              assertThat(h.out().trim()).isEqualTo("NOT_SERVING");
              assertThat(h.err())
                  .contains("expired at " + nextUpdate)
                  .contains("sluice authority crl");
            });
    assertThat(TestNodes.audited(node, EventType.CRL_EXPIRED))
        .singleElement()
        .satisfies(d -> assertThat(d.get("nextUpdate").asText()).isEqualTo(nextUpdate.toString()));

    // The authority refreshes the CRL (its clock is the node's, moved on).
    Authority.load(ca.dir, null, Clock.fixed(clock.instant(), clock.getZone()))
        .refreshCrl(Duration.ofDays(7));

    assertThat(info(ours(insurer, "fund")).getCaller().getParticipantId()).isEqualTo("insurer-a");
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(health().exitCode()).isZero());
    assertThat(TestNodes.audited(node, EventType.CRL_CURRENT)).hasSize(1);
  }

  Instant crlNextUpdate() {
    return PemFiles.readCrl(ca.authority.crlFile()).getNextUpdate().toInstant();
  }

  CliRunner.Result health() {
    return CliRunner.run("node", "health", "--address", "127.0.0.1:" + healthPort);
  }

  @Test
  void aClientReusingItsTlsContextGetsAFullHandshakeEveryTime() throws Exception {
    var insurer = issue("insurer-a");
    SslContext reused = hostileContext(insurer); // a plain JDK client: it would resume if it could
    ManagedChannel first = hostile(reused);
    assertThat(info(first).getCaller().getParticipantId()).isEqualTo("insurer-a");
    first.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

    ca.authority.revoke(insurer.certificate(), CRLReason.keyCompromise);

    // A resumed session would skip the trust manager: the refusal would come later, per call.
    assertServerRefused(failing(hostile(reused)), insurer, "is revoked");
  }

  @Test
  void ourClientNeverResumesEvenWithAServerThatIssuesTickets() throws Exception {
    var fundKey = PemFiles.readPrivateKey(dir.resolve("fund/node.key"), null);
    X509Certificate fundCert = PemFiles.readCertificate(dir.resolve("fund/node.crt"));
    AtomicInteger clientChecks = new AtomicInteger();
    SslContext ticketing =
        GrpcSslContexts.configure(SslContextBuilder.forServer(fundKey, fundCert), SslProvider.JDK)
            .trustManager(
                counting(
                    trust.trustManager(null, PeerRefusals.LOG.of(AuthorityTrust.PeerRole.CLIENT)),
                    clientChecks))
            .clientAuth(ClientAuth.REQUIRE)
            .protocols("TLSv1.3")
            .build();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(ticketing)
            .addService(new HealthStatusManager().getHealthService())
            .build()
            .start();
    closeables.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    var insurer = issue("insurer-a");

    // Control: a plain JDK client reusing its context resumes, and the server checks it once.
    SslContext plain = hostileContext(insurer);
    for (int i = 0; i < 2; i++) {
      check(
          NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).sslContext(plain).build());
    }
    assertThat(clientChecks.get()).as("this server lets a client resume").isEqualTo(1);

    PeerChannels peers =
        new PeerChannels(insurer.credentials(trust), trust, Map.of(), 8 << 20, refusals);
    closeables.add(peers);
    ManagedChannel channel =
        peers.open("fund", new PeerChannels.Address("127.0.0.1", server.getPort()));
    channels.add(channel);
    HealthCheckRequest ask = HealthCheckRequest.getDefaultInstance();
    for (int i = 0; i < 2; i++) {
      HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).check(ask);
      channel.enterIdle(); // the next call needs a new connection
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> channel.getState(false) == io.grpc.ConnectivityState.IDLE);
    }
    assertThat(clientChecks.get()).as("two connections, two full handshakes").isEqualTo(3);
  }

  void check(ManagedChannel channel) throws InterruptedException {
    channels.add(channel);
    HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance());
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** A trust manager that counts the client certificate checks, i.e. the full handshakes. */
  static X509ExtendedTrustManager counting(X509ExtendedTrustManager d, AtomicInteger count) {
    return new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e)
          throws CertificateException {
        count.incrementAndGet();
        d.checkClientTrusted(c, a, e);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] c, String a, Socket s)
          throws CertificateException {
        count.incrementAndGet();
        d.checkClientTrusted(c, a, s);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] c, String a) throws CertificateException {
        count.incrementAndGet();
        d.checkClientTrusted(c, a);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e)
          throws CertificateException {
        d.checkServerTrusted(c, a, e);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] c, String a, Socket s)
          throws CertificateException {
        d.checkServerTrusted(c, a, s);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException {
        d.checkServerTrusted(c, a);
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return d.getAcceptedIssuers();
      }
    };
  }
}
