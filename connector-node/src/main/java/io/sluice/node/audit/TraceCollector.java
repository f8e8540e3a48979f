package io.sluice.node.audit;

import io.grpc.ManagedChannel;
import io.sluice.audit.AuditEntry;
import io.sluice.audit.EventType;
import io.sluice.audit.trace.NodeTrace;
import io.sluice.audit.trace.TraceAnalysis;
import io.sluice.audit.trace.TraceReport;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.proto.v1.AuditServiceGrpc;
import io.sluice.proto.v1.EntriesRequest;
import io.sluice.proto.v1.HeadsRequest;
import io.sluice.proto.v1.Range;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Collects one trace from several nodes — each node's entries with inclusion proofs against its own
 * freshly signed tree head, checked here — and pairs them into a {@link TraceReport}.
 */
public final class TraceCollector {
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
        try {
          traces.add(reader.trace(node, channel, traceId));
        } finally {
          channel.shutdownNow();
        }
      }
    }
    return TraceAnalysis.analyze(traceId, traces);
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
