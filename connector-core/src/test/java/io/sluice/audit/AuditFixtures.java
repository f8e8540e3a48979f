package io.sluice.audit;

import io.sluice.identity.TestAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Node keys and realistic events for audit tests and benchmarks. */
public final class AuditFixtures {
  private static TestAuthority authority;
  private static TestAuthority.Issued node;
  private static TestAuthority.Issued otherNode;

  private AuditFixtures() {}

  private static synchronized TestAuthority authority() {
    if (authority == null) {
      try {
        // The authority's files are small and the JVM is short-lived: leave them in tmp.
        authority = TestAuthority.create(Files.createTempDirectory("sluice-audit-ca-"), "health");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return authority;
  }

  /** The signer of the node whose log the tests write. */
  public static synchronized TreeHeadSigner nodeSigner() {
    return signer(node());
  }

  /** The key and certificate behind {@link #nodeSigner()}. */
  public static synchronized TestAuthority.Issued node() {
    if (node == null) {
      node = issue("fund");
    }
    return node;
  }

  /** Another node's signer: its heads must not verify as the first node's. */
  public static synchronized TreeHeadSigner otherSigner() {
    if (otherNode == null) {
      otherNode = issue("insurer");
    }
    return signer(otherNode);
  }

  private static TestAuthority.Issued issue(String participant) {
    return authority().issue(participant, List.of("medical-insurance-fund"), Map.of());
  }

  private static TreeHeadSigner signer(TestAuthority.Issued issued) {
    return new TreeHeadSigner(issued.key(), issued.certificate());
  }

  /**
   * A realistic event: mostly frames sent and received (with their SHA-256), and the other kinds of
   * a computation around them. {@code n} is recorded so tests can find the event again.
   */
  public static AuditEvent event(SplittableRandom random, Instant time, long n) {
    String trace = "trace-" + random.nextInt(16);
    String session = "session-" + random.nextInt(64);
    int pick = random.nextInt(20);
    if (pick < 18) {
      byte[] digest = new byte[32];
      random.nextBytes(digest);
      return AuditEvent.builder(pick % 2 == 0 ? EventType.FRAME_SENT : EventType.FRAME_RECEIVED)
          .time(time)
          .traceId(trace)
          .sessionId(session)
          .actor("sluice://health/fund")
          .counterparty("sluice://health/insurer")
          .agreementId("agreement-" + random.nextInt(8))
          .frame("stream-1", n, 65_536, 1_048_576 + random.nextInt(4096), digest)
          .detail("n", n)
          .build();
    }
    EventType[] others = {
      EventType.NEGOTIATION_SENT,
      EventType.AGREEMENT_SIGNED,
      EventType.COMPUTATION_STARTED,
      EventType.RESULT_WITHHELD,
      EventType.POLICY_DENIED,
      EventType.CONFIG_CHANGED
    };
    EventType type = others[random.nextInt(others.length)];
    return AuditEvent.builder(type)
        .time(time)
        .traceId(type == EventType.CONFIG_CHANGED ? "" : trace)
        .sessionId(session)
        .actor("sluice://health/fund")
        .counterparty(type == EventType.CONFIG_CHANGED ? "" : "sluice://health/insurer")
        .detail("n", n)
        .detail("reason", "minimum-group-size")
        .build();
  }
}
