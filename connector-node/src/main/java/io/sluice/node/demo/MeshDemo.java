package io.sluice.node.demo;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.proto.v1.InfoRequest;
import io.sluice.proto.v1.InfoResponse;
import io.sluice.proto.v1.NodeServiceGrpc;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.CRLReason;

/**
 * {@code sluice demo mesh}: an authority and N nodes as separate processes; every node calls Info
 * on every other over mTLS; one node is revoked and the others refuse it from then on.
 */
public final class MeshDemo {
  static final String SPACE = "mobility-health";

  /** Realistic participants, in the order the demo provisions them. */
  static final List<DemoParticipant> PRESETS =
      List.of(
          new DemoParticipant(
              "fund",
              "National Health Insurance Fund",
              List.of("medical-insurance-fund"),
              Map.of("industry", "insurance", "country", "DE")),
          new DemoParticipant(
              "insurer-a",
              "Aurelia Care Assurance",
              List.of("commercial-insurer"),
              Map.of("industry", "insurance", "country", "DE")),
          new DemoParticipant(
              "oem",
              "Nordwerk Automotive AG",
              List.of("automotive-oem"),
              Map.of("industry", "automotive", "country", "DE")),
          new DemoParticipant(
              "supplier",
              "Brenner Drive Systems GmbH",
              List.of("automotive-supplier"),
              Map.of("industry", "automotive", "country", "AT")),
          new DemoParticipant(
              "hospital",
              "St. Elisabeth Hospital Group",
              List.of("hospital"),
              Map.of("industry", "healthcare", "country", "DE")),
          new DemoParticipant(
              "insurer-b",
              "Baltic Mutual Insurance",
              List.of("commercial-insurer"),
              Map.of("industry", "insurance", "country", "PL")),
          new DemoParticipant(
              "regulator",
              "Federal Data Space Supervisory Office",
              List.of("operator"),
              Map.of("industry", "public-sector", "country", "DE")),
          new DemoParticipant(
              "supplier-b",
              "Lumen Sensorik GmbH",
              List.of("automotive-supplier"),
              Map.of("industry", "automotive", "country", "DE")));

  /** What the demo observed: who each caller was, as each callee authenticated it. */
  public record Result(
      Map<String, Map<String, String>> before,
      String revoked,
      Map<String, Map<String, String>> after,
      Map<String, Integer> exitCodes) {}

  private final PrintWriter out;

  public MeshDemo(PrintWriter out) {
    this.out = out;
  }

  public Result run(Path dir, int count) {
    if (count < 2 || count > PRESETS.size()) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "--nodes must be between 2 and " + PRESETS.size());
    }
    List<DemoParticipant> participants = PRESETS.subList(0, count);
    say("1. The data space authority of '" + SPACE + "' is created in " + dir + ".");
    DemoSpace space = DemoSpace.create(dir, SPACE, participants);
    for (DemoSpace.Node node : space.nodes().values()) {
      say(
          "   issued "
              + node.credentials().identity().id()
              + " to "
              + node.participant().organization()
              + " "
              + node.participant().roles());
    }
    say("2. Each participant starts its node as a separate process on loopback.");
    try (NodeFleet fleet = NodeFleet.start(space, List.of("-Xmx256m", "-XX:+UseSerialGC"))) {
      for (DemoSpace.Node node : space.nodes().values()) {
        say(
            "   "
                + node.participant().id()
                + " listening on 127.0.0.1:"
                + node.port()
                + " (pid "
                + fleet.process(node.participant().id()).pid()
                + ")");
      }
      say("3. Every node calls Info on every other over mutual TLS 1.3.");
      say("   Each cell shows who the callee says called it, read from the client certificate:");
      Map<String, Map<String, String>> before = matrix(space);
      print(before);
      String revoked = participants.get(participants.size() - 1).id();
      say("4. The authority revokes " + revoked + "'s certificate and re-signs the CRL.");
      space
          .authority()
          .revoke(space.node(revoked).credentials().certificate(), CRLReason.keyCompromise);
      say("   The nodes re-read the CRL file on change, without a restart. Calling again:");
      Map<String, Map<String, String>> after = matrix(space);
      print(after);
      check(before, after, revoked);
      say("5. Shutting the nodes down (SIGTERM; in-flight calls finish first).");
      Map<String, Integer> codes = fleet.stop();
      codes.forEach((id, code) -> say("   " + id + " exited with " + code));
      if (codes.values().stream().anyMatch(c -> c != 0)) {
        throw new SluiceException(ErrorCode.INTERNAL, "a node did not shut down cleanly");
      }
      say("Done: every identity above was proven by a certificate of the authority, and the");
      say("revoked participant was refused in both directions once the CRL changed.");
      return new Result(before, revoked, after, codes);
    }
  }

  /**
   * Calls Info from every node to every other with the caller's own credentials. A cell is the
   * caller as the callee authenticated it, or "refused" when the TLS handshake failed on a
   * certificate check (the caller's of the callee, or the callee's alert about the caller), or
   * "unreachable (...)" for anything else: a node that is down is not a refusal.
   */
  static Map<String, Map<String, String>> matrix(DemoSpace space) {
    AuthorityTrust trust = space.trust();
    Map<String, Map<String, String>> cells = new LinkedHashMap<>();
    for (DemoSpace.Node caller : space.nodes().values()) {
      Map<String, String> row = new LinkedHashMap<>();
      java.util.concurrent.atomic.AtomicReference<String> refusedByUs =
          new java.util.concurrent.atomic.AtomicReference<>();
      try (PeerChannels channels =
          new PeerChannels(
              caller.credentials(), trust, Map.of(), 4 * 1024 * 1024, recording(refusedByUs))) {
        for (DemoSpace.Node callee : space.nodes().values()) {
          if (callee == caller) {
            row.put(callee.participant().id(), "-");
            continue;
          }
          refusedByUs.set(null);
          ManagedChannel channel =
              channels.open(
                  callee.participant().id(), new PeerChannels.Address("127.0.0.1", callee.port()));
          try {
            InfoResponse info =
                NodeServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .info(InfoRequest.getDefaultInstance());
            boolean right =
                info.getCaller().getParticipantId().equals(caller.participant().id())
                    && info.getNode().getParticipantId().equals(callee.participant().id());
            row.put(
                callee.participant().id(),
                right ? info.getCaller().getParticipantId() : "MISMATCH");
          } catch (StatusRuntimeException e) {
            row.put(callee.participant().id(), failure(e, refusedByUs.get()));
          } finally {
            channel.shutdownNow();
            try {
              channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }
      }
      cells.put(caller.participant().id(), row);
    }
    return cells;
  }

  private static io.sluice.node.grpc.PeerRefusals recording(
      java.util.concurrent.atomic.AtomicReference<String> refusal) {
    return new io.sluice.node.grpc.PeerRefusals() {
      @Override
      public void handshake(
          AuthorityTrust.PeerRole peer, String reason, java.security.cert.X509Certificate leaf) {
        refusal.set(reason);
      }

      @Override
      public void call(
          AuthorityTrust.PeerRole peer,
          String reason,
          java.security.cert.X509Certificate leaf,
          boolean open) {
        refusal.set(reason);
      }
    };
  }

  /** "refused" for a failed certificate check on either side, "unreachable (...)" otherwise. */
  static String failure(StatusRuntimeException e, String refusedByUs) {
    if (refusedByUs != null) {
      return "refused";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException
          && String.valueOf(t.getMessage()).contains("certificate_unknown")) {
        return "refused";
      }
    }
    return "unreachable (" + e.getStatus().getCode() + ")";
  }

  /** Fails unless every call worked before and exactly the revoked node's calls fail after. */
  static void check(
      Map<String, Map<String, String>> before,
      Map<String, Map<String, String>> after,
      String revoked) {
    List<String> problems = new ArrayList<>();
    before.forEach(
        (caller, row) ->
            row.forEach(
                (callee, cell) -> {
                  boolean self = caller.equals(callee);
                  if (!self && !cell.equals(caller)) {
                    problems.add(caller + " -> " + callee + " before revocation: " + cell);
                  }
                  String later = after.get(caller).get(callee);
                  boolean involved = caller.equals(revoked) || callee.equals(revoked);
                  if (!self && involved && !later.equals("refused")) {
                    problems.add(caller + " -> " + callee + " after revocation: " + later);
                  }
                  if (!self && !involved && !later.equals(caller)) {
                    problems.add(caller + " -> " + callee + " after revocation: " + later);
                  }
                }));
    if (!problems.isEmpty()) {
      throw new SluiceException(
          ErrorCode.INTERNAL, "the mesh did not behave as expected: " + problems);
    }
  }

  private void print(Map<String, Map<String, String>> cells) {
    int width = 15;
    for (String id : cells.keySet()) {
      width = Math.max(width, id.length() + 2);
    }
    StringBuilder header =
        new StringBuilder(String.format("   %-" + width + "s", "caller\\callee"));
    for (String id : cells.keySet()) {
      header.append(String.format("%-" + width + "s", id));
    }
    say(header.toString());
    for (var row : cells.entrySet()) {
      StringBuilder line = new StringBuilder(String.format("   %-" + width + "s", row.getKey()));
      for (String cell : row.getValue().values()) {
        line.append(String.format("%-" + width + "s", cell));
      }
      say(line.toString());
    }
  }

  private void say(String line) {
    out.println(line);
    out.flush();
  }
}
