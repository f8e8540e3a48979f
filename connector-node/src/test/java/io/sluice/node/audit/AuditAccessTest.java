package io.sluice.node.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import io.sluice.identity.TestAuthority;
import io.sluice.node.NodeIdentity;
import io.sluice.node.SluiceNode;
import io.sluice.node.TestNodes;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.proto.v1.AuditServiceGrpc;
import io.sluice.proto.v1.CheckPeerRequest;
import io.sluice.proto.v1.ConsistencyRequest;
import io.sluice.proto.v1.EntriesRequest;
import io.sluice.proto.v1.HeadsRequest;
import io.sluice.proto.v1.LatestHeadRequest;
import io.sluice.proto.v1.Range;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over real mTLS, with a hostile client: a participant reads, of another node's audit log, only the
 * entries of a trace whose counterparty it is (with proofs that verify) against the head the log
 * signed on its schedule — asking never makes the node sign — and consistency proofs between heads
 * it was given; never a range, the list of heads, a proof about another head, or the node's own
 * peer checks. An operator and the node itself read everything.
 */
class AuditAccessTest {
  @TempDir Path dir;

  @Test
  void participantsSeeTheirOwnSideOfATraceAndOperatorsSeeAll() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    // The schedule signs no head by itself during the test: the fund signs when the test says.
    Path fundConfig =
        TestNodes.provision(
            ca,
            dir,
            "fund",
            List.of("medical-insurance-fund"),
            null,
            0,
            Map.of(),
            "audit: {signIntervalSeconds: 3600}\n");
    Path insurer = TestNodes.provision(ca, dir, "insurer-a", List.of("commercial-insurer"), null);
    Path auditor = TestNodes.provision(ca, dir, "auditor", List.of("operator"), null);
    try (SluiceNode fund = TestNodes.start(fundConfig)) {
      String trace = "5f0e8a56-2b7c-4c1e-9d55-0c8f3b1a7e21";
      for (String party : List.of("insurer-a", "sluice://health/insurer-a", "insurer-b", "")) {
        fund.audit()
            .append(
                AuditEvent.builder(EventType.COMPUTATION_REQUESTED)
                    .time(Instant.now())
                    .traceId(trace)
                    .actor("fund")
                    .counterparty(party)
                    .build())
            .join();
      }
      fund.audit().flush().join();
      fund.audit().signHead().join(); // what the schedule does
      RemoteAuditReader reader =
          new RemoteAuditReader(
              NodeIdentity.load(NodeConfigLoader.load(fundConfig), Map.of(), Clock.systemUTC())
                  .trust(),
              10_000);
      PeerChannels.Address address = new PeerChannels.Address("127.0.0.1", fund.port());

      try (Session s = new Session(insurer, address)) {
        var mine = reader.trace("fund", s.channel, trace);
        assertThat(mine.proofsVerified()).as(mine.problem()).isTrue();
        assertThat(mine.entries())
            .extracting(e -> e.event().counterparty())
            .containsExactlyInAnyOrder("insurer-a", "sluice://health/insurer-a");
        long size =
            s.stub()
                .entries(EntriesRequest.newBuilder().setTraceId(trace).build())
                .getHead()
                .getTreeSize();
        // consistency proofs between heads it was given, and no others
        appendFor(fund, trace, "insurer-a");
        fund.audit().signHead().join();
        long later =
            s.stub().latestHead(LatestHeadRequest.getDefaultInstance()).getHead().getTreeSize();
        assertThat(later).isGreaterThan(size);
        assertThat(
                s.stub()
                    .consistency(
                        ConsistencyRequest.newBuilder()
                            .setFirstSize(size)
                            .setSecondSize(later)
                            .build())
                    .getProofCount())
            .isPositive();
        for (long[] pair : new long[][] {{1, later}, {size, later + 1}, {size - 1, size}}) {
          assertDenied(
              () ->
                  s.stub()
                      .consistency(
                          ConsistencyRequest.newBuilder()
                              .setFirstSize(pair[0])
                              .setSecondSize(pair[1])
                              .build()),
              "heads this node gave it");
        }
        // an inclusion proof against one of its heads, but not against a head it was not given
        assertThat(
                s.stub()
                    .entries(
                        EntriesRequest.newBuilder().setTraceId(trace).setTreeSize(size).build())
                    .getHead()
                    .getTreeSize())
            .isEqualTo(size);
        assertDenied(
            () ->
                s.stub()
                    .entries(
                        EntriesRequest.newBuilder()
                            .setTraceId(trace)
                            .setTreeSize(size - 1)
                            .build()),
            "heads this node gave it");
        // asking, however often, never makes the fund sign; its newest entries wait for the
        // schedule
        appendFor(fund, trace, "insurer-a");
        int heads = fund.audit().store().heads().size();
        for (int i = 0; i < 20; i++) {
          var response = s.stub().entries(EntriesRequest.newBuilder().setTraceId(trace).build());
          assertThat(response.getHead().getTreeSize()).isEqualTo(later);
          assertThat(response.getPending()).isEqualTo(1);
          assertThat(response.getNextHeadMs()).isPositive();
          s.stub().latestHead(LatestHeadRequest.getDefaultInstance());
        }
        assertThat(fund.audit().store().heads()).hasSize(heads);
        // holding the fund's peers to their heads is the fund's own business
        assertDenied(
            () -> s.stub().checkPeer(CheckPeerRequest.newBuilder().setPeer("insurer-a").build()),
            "only fund itself");
        assertThatThrownBy(() -> s.stub().heads(HeadsRequest.getDefaultInstance()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(
                () ->
                    s.stub()
                        .entries(
                            EntriesRequest.newBuilder()
                                .setRange(Range.newBuilder().setFrom(0).setLimit(100))
                                .build()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                  assertThat(e.getStatus().getDescription()).contains("ask for a trace id");
                });
      }

      for (Path who : List.of(auditor, fundConfig)) {
        try (Session s = new Session(who, address)) {
          var all = reader.trace("fund", s.channel, trace);
          assertThat(all.proofsVerified()).as(all.problem()).isTrue();
          assertThat(all.entries()).hasSize(6); // 4, and the two appended for insurer-a
          var range =
              s.stub()
                  .entries(
                      EntriesRequest.newBuilder()
                          .setRange(Range.newBuilder().setFrom(0).setLimit(100))
                          .build());
          assertThat(range.getEntriesList())
              .extracting(l -> AuditEntry.decode(l.getLeaf().toByteArray()).event().type())
              .contains(EventType.NODE_STARTED, EventType.COMPUTATION_REQUESTED);
        }
      }
    }
  }

  private static void appendFor(SluiceNode node, String trace, String party) {
    node.audit()
        .append(
            AuditEvent.builder(EventType.COMPUTATION_FINISHED)
                .time(Instant.now())
                .traceId(trace)
                .actor("fund")
                .counterparty(party)
                .build())
        .join();
  }

  private static void assertDenied(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String reason) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains(reason);
            });
  }

  /** A channel to the fund holding the credentials of the node configured in {@code config}. */
  private static final class Session implements AutoCloseable {
    final PeerChannels channels;
    final ManagedChannel channel;

    Session(Path config, PeerChannels.Address fund) {
      NodeIdentity id =
          NodeIdentity.load(NodeConfigLoader.load(config), Map.of(), Clock.systemUTC());
      channels = new PeerChannels(id.credentials(), id.trust(), Map.of(), 8 << 20);
      channel = channels.open("fund", fund);
    }

    AuditServiceGrpc.AuditServiceBlockingStub stub() {
      return AuditServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      channels.close();
    }
  }
}
