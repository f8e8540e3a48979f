package io.sluice.collaboration;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.TestAuthority;
import io.sluice.negotiation.RetryPolicy;
import io.sluice.proto.v1.Collaboration;
import io.sluice.proto.v1.CollaborationAck;
import io.sluice.proto.v1.CollaborationMessage;
import io.sluice.store.Database;
import io.sluice.testing.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Members of a collaboration wired in memory, each with its own SQLite store, sharing one fake
 * clock: the association proposes, the OEMs contribute. Every delivery that reached a handler is
 * recorded with its reply, so tests can deliver it again; members can be taken down (deliveries to
 * them fail as unreachable) and restarted (new managers over the same stores).
 */
final class CollaborationMesh implements AutoCloseable {
  static final Path OEM_OFFER = Path.of("../deploy/collaborations/oem-benchmark-offer.json");
  static final RetryPolicy RETRY =
      new RetryPolicy(
          Duration.ofMillis(100),
          Duration.ofSeconds(2),
          Duration.ofSeconds(30),
          Duration.ofSeconds(60));

  /** One delivery that reached a handler; {@code reply} is null when the handler threw. */
  record Exchange(
      String from,
      String to,
      CollaborationMessage message,
      CollaborationAck reply,
      ErrorCode error) {}

  final class Member {
    final String id;
    final NodeCredentials credentials;
    final Database db;
    final CollaborationStore store;
    final Map<String, String> offers = new HashMap<>();
    volatile CollaborationManager manager;

    Member(String id, NodeCredentials credentials, Database db) {
      this.id = id;
      this.credentials = credentials;
      this.db = db;
      this.store = new JdbcCollaborationStore(db);
      restart();
    }

    void restart() {
      manager =
          new CollaborationManager(
              credentials,
              trust,
              store,
              (to, message, trace) -> deliver(id, to, message),
              new CollaborationJudge(
                  (ds, offer) -> Optional.ofNullable(offers.get(ds + "/" + offer))),
              CollaborationListener.NONE,
              clock,
              RETRY,
              new Random(id.hashCode()));
    }

    StoredCollaboration get(String collaborationId) {
      return store.find(collaborationId).orElseThrow();
    }
  }

  final MutableClock clock = new MutableClock(Instant.now());
  final AuthorityTrust trust;
  final TestAuthority ca;
  final Map<String, Member> members = new LinkedHashMap<>();
  final List<Exchange> exchanges = Collections.synchronizedList(new ArrayList<>());
  final Set<String> down = Collections.synchronizedSet(new HashSet<>());
  volatile UnaryOperator<CollaborationMessage> tamper = m -> m;
  final String oemOffer;

  CollaborationMesh(Path dir, List<String> participants) {
    ca = TestAuthority.create(dir.resolve("ca"), "automotive");
    trust = ca.trust();
    try {
      oemOffer = Files.readString(OEM_OFFER);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String p : participants) {
      String role = p.startsWith("oem") ? "automotive-oem" : "automotive-association";
      NodeCredentials creds = ca.issue(p, List.of(role), Map.of()).credentials(trust);
      Database db = Database.open("jdbc:sqlite:" + dir.resolve(p + ".db"));
      Member m = new Member(p, creds, db);
      if (p.startsWith("oem")) {
        m.offers.put("warranty-claims/benchmark", oemOffer);
      }
      members.put(p, m);
    }
  }

  Member member(String id) {
    return members.get(id);
  }

  /** The warranty benchmark among all members, the first proposing, expiring in 10 days. */
  Collaboration benchmark(String id, int minGroupSize) {
    StringBuilder json = new StringBuilder();
    json.append("{\"id\":\"")
        .append(id)
        .append("\",\"purpose\":\"warranty-benchmark\",")
        .append("\"computation\":\"aggregate\",\"members\":[");
    boolean first = true;
    for (String p : members.keySet()) {
      json.append(first ? "" : ",");
      first = false;
      if (p.startsWith("oem")) {
        json.append("{\"participant\":\"")
            .append(p)
            .append("\",\"roles\":[\"contributor\",\"result_receiver\"],")
            .append("\"dataset\":\"warranty-claims\",\"offer\":\"benchmark\"}");
      } else {
        json.append("{\"participant\":\"")
            .append(p)
            .append("\",\"roles\":[\"compute_host\",\"result_receiver\"]}");
      }
    }
    json.append("],\"parameters\":{\"groups\":[\"model_year\",\"component\"],")
        .append("\"statistics\":[{\"column\":\"claims\",\"function\":\"sum\"}],")
        .append("\"outputColumns\":[\"model_year\",\"component\",\"claims\"],")
        .append("\"minGroupSize\":")
        .append(minGroupSize)
        .append(",\"minContributors\":3,\"privacyBudget\":{\"epsilon\":0.5}},")
        .append("\"expires\":\"")
        .append(clock.instant().plus(Duration.ofDays(10)))
        .append("\",")
        .append("\"maxUses\":12}");
    String proposer = members.keySet().iterator().next();
    return CollaborationFile.read(
        json.toString(), "automotive", proposer, clock.millis(), (m, ds, o) -> oemOffer);
  }

  private CollaborationAck deliver(String from, String to, CollaborationMessage message) {
    if (down.contains(to) || down.contains(from)) {
      throw new SluiceException(ErrorCode.UNAVAILABLE, to + " is unreachable");
    }
    CollaborationMessage sent = tamper.apply(message);
    try {
      CollaborationAck reply =
          members.get(to).manager.handle(members.get(from).credentials.identity(), sent, "trace");
      exchanges.add(new Exchange(from, to, sent, reply, null));
      return reply;
    } catch (SluiceException e) {
      exchanges.add(new Exchange(from, to, sent, null, e.code()));
      throw e;
    }
  }

  /** One round of every live member's retry loop, after the back-off has passed. */
  void tick() {
    clock.advance(Duration.ofSeconds(3));
    for (Member m : members.values()) {
      if (!down.contains(m.id)) {
        m.manager.retryPending();
      }
    }
  }

  /** Ticks until no live member has anything to deliver (at most 50 rounds). */
  void settle() {
    for (int i = 0; i < 50; i++) {
      boolean pending = false;
      for (Member m : members.values()) {
        if (!down.contains(m.id) && !m.store.due(Long.MAX_VALUE).isEmpty()) {
          pending = true;
        }
      }
      if (!pending) {
        return;
      }
      tick();
    }
    throw new AssertionError("deliveries did not settle");
  }

  @Override
  public void close() {
    members.values().forEach(m -> m.db.close());
  }
}
