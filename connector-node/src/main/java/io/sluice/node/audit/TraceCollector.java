package io.sluice.node.audit;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.EventType;
import io.sluice.audit.HeadCheck;
import io.sluice.audit.trace.NodeTrace;
import io.sluice.audit.trace.TraceAnalysis;
import io.sluice.audit.trace.TraceReport;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.node.grpc.StatusMapping;
import io.sluice.proto.v1.AuditServiceGrpc;
import io.sluice.proto.v1.CheckPeerRequest;
import io.sluice.proto.v1.CheckPeerResponse;
import io.sluice.proto.v1.EntriesRequest;
import io.sluice.proto.v1.HeadsRequest;
import io.sluice.proto.v1.Range;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Collects one trace from several nodes — each node's entries with inclusion proofs against its
 * signed tree head, checked here — asks this node to hold each peer to the head it returned (a
 * consistency proof from the head this node holds of it, {@code CheckPeer}), and pairs everything
 * into a {@link TraceReport}.
 */
public final class TraceCollector {
  /** How long to wait, by default, for a node's next scheduled head to cover the trace. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);

  private final NodeCredentials credentials;
  private final AuthorityTrust trust;
  private final Map<String, PeerChannels.Address> addresses;
  private final long deadlineMillis;

  public TraceCollector(
      NodeCredentials credentials,
      AuthorityTrust trust,
      Map<String, PeerChannels.Address> addresses,
      long deadlineMillis) {
    this.credentials = credentials;
    this.trust = trust;
    this.addresses = Map.copyOf(addresses);
    this.deadlineMillis = deadlineMillis;
  }

  public TraceReport collect(String traceId, List<String> nodes) {
    return collect(traceId, nodes, DEFAULT_WAIT);
  }

  /**
   * @param wait how long to wait for a node whose latest scheduled head does not yet cover the
   *     trace
   */
  public TraceReport collect(String traceId, List<String> nodes, Duration wait) {
    RemoteAuditReader reader = new RemoteAuditReader(trust, deadlineMillis);
    List<NodeTrace> traces = new ArrayList<>();
    try (PeerChannels channels = new PeerChannels(credentials, trust, Map.of(), 64 << 20)) {
      for (String node : nodes) {
        PeerChannels.Address address = addresses.get(node);
        if (address == null) {
          traces.add(
              NodeTrace.unverified(
                  node, List.of(), "no address for " + node + " in the configuration"));
          continue;
        }
        ManagedChannel channel = channels.open(node, address);
        RemoteAuditReader.Fetched fetched;
        try {
          fetched = reader.fetch(node, channel, traceId, wait);
        } finally {
          channel.shutdownNow();
        }
        traces.add(heldToHeads(channels, node, fetched));
      }
    }
    return TraceAnalysis.analyze(traceId, traces);
  }

  /** A peer's trace with what our node found when it held the peer to the head it returned. */
  private NodeTrace heldToHeads(
      PeerChannels channels, String node, RemoteAuditReader.Fetched fetched) {
    String self = credentials.identity().participant();
    if (node.equals(self) || !fetched.headSigned() || fetched.head().isEmpty()) {
      return fetched.trace(); // our own log, or a head that is no commitment of the node
    }
    PeerChannels.Address own = addresses.get(self);
    if (own == null) {
      return fetched
          .trace()
          .withHeads(unchecked(node, self, "there is no address of " + self + " to ask"));
    }
    ManagedChannel channel = channels.open(self, own);
    try {
      CheckPeerResponse response =
          AuditServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(3 * deadlineMillis, TimeUnit.MILLISECONDS)
              .checkPeer(
                  CheckPeerRequest.newBuilder()
                      .setPeer(node)
                      .setHead(SignedHeads.toProto(fetched.head().get()))
                      .setSignerCertificate(fetched.certificate())
                      .build());
      return fetched.trace().withHeads(SignedHeads.fromProto(node, self, response));
    } catch (StatusRuntimeException e) {
      SluiceException typed = StatusMapping.fromStatus(e, self);
      return fetched
          .trace()
          .withHeads(unchecked(node, self, self + " could not check: " + typed.getMessage()));
    } finally {
      channel.shutdownNow();
    }
  }

  private static HeadCheck unchecked(String node, String self, String why) {
    return new HeadCheck(
        HeadCheck.Verdict.UNPROVEN,
        node,
        self,
        0,
        0,
        node + "'s signed head was not held to the one " + self + " holds: " + why);
  }

  /** The trace id of the newest computation in {@code node}'s audit log. */
  public String latestComputation(String node) {
    PeerChannels.Address address = addresses.get(node);
    try (PeerChannels channels = new PeerChannels(credentials, trust, Map.of(), 64 << 20)) {
      ManagedChannel channel = channels.open(node, address);
      try {
        var stub =
            AuditServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
        long size =
            stub.heads(HeadsRequest.getDefaultInstance()).getHeadsList().stream()
                .mapToLong(h -> h.getTreeSize())
                .max()
                .orElse(0);
        var response =
            AuditServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .entries(
                    EntriesRequest.newBuilder()
                        .setRange(
                            Range.newBuilder().setFrom(Math.max(0, size - 5000)).setLimit(10_000))
                        .build());
        String latest = null;
        for (var leaf : response.getEntriesList()) {
          AuditEntry e = AuditEntry.decode(leaf.getLeaf().toByteArray());
          if (e.event().type() == EventType.COMPUTATION_STARTED) {
            latest = e.event().traceId();
          }
        }
        if (latest == null) {
          throw new SluiceException(
              ErrorCode.NOT_FOUND, node + " has no computation in its audit log");
        }
        return latest;
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
