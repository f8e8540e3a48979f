package io.sluice.negotiation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link NegotiationStore} on SQLite or PostgreSQL (the same SQL runs on both). */
public final class JdbcNegotiationStore implements NegotiationStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS =
      "id, role, counterparty, peer_pid, dataset_id, offer_id, state, purpose, requested_policy,"
          + " offered_policy, acceptable_policy, agreement_id, reasons, pending_message, attempts,"
          + " pending_since_ms, next_attempt_ms, trace_id, created_ms, updated_ms, version";
  private static final String AGREEMENT_COLUMNS =
      "agreement_id, negotiation_id, role, provider_id, consumer_id, dataset_id, signed_agreement,"
          + " valid_from_ms, valid_until_ms, finalized, terminated_reason, use_count";

  private final Database db;

  public JdbcNegotiationStore(Database db) {
    this.db = db;
  }

  @Override
  public Optional<Negotiation> find(String id) {
    return db.query(c -> one(c, "SELECT " + COLUMNS + " FROM negotiations WHERE id = ?", id));
  }

  @Override
  public Optional<Negotiation> findByPeer(Role role, String counterparty, String peerPid) {
    // "peer_pid <> ''" lets SQLite and PostgreSQL use the partial unique index
    // negotiations_peer; without it they cannot prove the index applies and scan the table.
    return db.query(
        c ->
            one(
                c,
                "SELECT "
                    + COLUMNS
                    + " FROM negotiations WHERE role = ? AND counterparty = ? AND peer_pid = ? AND peer_pid <> ''",
                role.name(),
                counterparty,
                peerPid));
  }

  @Override
  public List<Negotiation> list() {
    return db.query(
        c -> many(c, "SELECT " + COLUMNS + " FROM negotiations ORDER BY created_ms, id"));
  }

  @Override
  public List<Negotiation> pending() {
    return db.query(
        c ->
            many(
                c,
                "SELECT "
                    + COLUMNS
                    + " FROM negotiations WHERE length(pending_message) > 0 ORDER BY updated_ms"));
  }

  @Override
  public List<Negotiation> due(long nowMs) {
    // The condition repeats the partial index negotiations_due, so both databases can use it.
    return db.query(
        c ->
            many(
                c,
                "SELECT "
                    + COLUMNS
                    + " FROM negotiations WHERE length(pending_message) > 0 AND next_attempt_ms <= ?"
                    + " ORDER BY next_attempt_ms, created_ms, id",
                nowMs));
  }

  @Override
  public List<Negotiation> idle(Role role, NegotiationState state, long updatedBeforeMs) {
    return db.query(
        c ->
            many(
                c,
                "SELECT "
                    + COLUMNS
                    + " FROM negotiations WHERE state = ? AND updated_ms < ? AND role = ?"
                    + " ORDER BY updated_ms, id",
                state.name(),
                updatedBeforeMs,
                role.name()));
  }

  @Override
  public Optional<byte[]> processedReply(String counterparty, String messageId) {
    return db.query(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT reply FROM negotiation_messages WHERE counterparty = ? AND message_id = ?")) {
            s.setString(1, counterparty);
            s.setString(2, messageId);
            try (ResultSet r = s.executeQuery()) {
              return r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
            }
          }
        });
  }

  @Override
  public Negotiation save(Negotiation n, Processed processed, StoredAgreement agreement) {
    return db.inTransaction(
        c -> {
          if (n.version() == 0) {
            insert(c, n);
          } else {
            update(c, n);
          }
          if (processed != null) {
            try (PreparedStatement s =
                c.prepareStatement(
                    "INSERT INTO negotiation_messages (counterparty, message_id, negotiation_id, reply, created_ms)"
                        + " VALUES (?, ?, ?, ?, ?)")) {
              s.setString(1, processed.counterparty());
              s.setString(2, processed.messageId());
              s.setString(3, n.id());
              s.setBytes(4, processed.reply());
              s.setLong(5, n.updatedMs());
              s.executeUpdate();
            }
          }
          if (agreement != null) {
            putAgreement(c, agreement);
          }
          if (n.state() == NegotiationState.TERMINATED && !n.agreementId().isEmpty()) {
            endAgreement(c, n);
          }
          return saved(n);
        });
  }

  @Override
  public Optional<Negotiation> create(Negotiation n, ClientRequest request) {
    if (n.version() != 0) {
      throw new IllegalArgumentException("create takes a new negotiation");
    }
    try {
      return Optional.of(
          db.inTransaction(
              c -> {
                insert(c, n);
                try (PreparedStatement s =
                    c.prepareStatement(
                        "INSERT INTO negotiation_requests (request_id, negotiation_id, digest, created_ms)"
                            + " VALUES (?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING")) {
                  s.setString(1, request.requestId());
                  s.setString(2, n.id());
                  s.setString(3, request.digest());
                  s.setLong(4, request.createdMs());
                  if (s.executeUpdate() != 1) {
                    throw new RequestIdTaken();
                  }
                }
                return saved(n);
              }));
    } catch (RequestIdTaken taken) {
      return Optional.empty();
    }
  }

  /** Rolls {@link #create} back when another request holds the id. */
  private static final class RequestIdTaken extends RuntimeException {
    RequestIdTaken() {
      super("request id taken", null, false, false);
    }
  }

  @Override
  public Optional<ClientRequest> clientRequest(String requestId) {
    return db.query(c -> oneRequest(c, "request_id", requestId));
  }

  @Override
  public Optional<ClientRequest> clientRequestOf(String negotiationId) {
    return db.query(c -> oneRequest(c, "negotiation_id", negotiationId));
  }

  private static Optional<ClientRequest> oneRequest(Connection c, String column, String value)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT request_id, negotiation_id, digest, created_ms FROM negotiation_requests WHERE "
                + column
                + " = ?")) {
      s.setString(1, value);
      try (ResultSet r = s.executeQuery()) {
        return r.next()
            ? Optional.of(
                new ClientRequest(r.getString(1), r.getString(2), r.getString(3), r.getLong(4)))
            : Optional.empty();
      }
    }
  }

  /**
   * A TERMINATED negotiation's agreement (never finalized, or finalized and now ended) ends too.
   */
  private static void endAgreement(Connection c, Negotiation n) throws SQLException {
    String reason =
        n.reasons().isEmpty() ? "negotiation terminated" : n.reasons().get(n.reasons().size() - 1);
    try (PreparedStatement s =
        c.prepareStatement(
            "UPDATE agreements SET terminated_reason = ? WHERE agreement_id = ? AND terminated_reason = ''")) {
      s.setString(1, reason.isEmpty() ? "negotiation terminated" : reason);
      s.setString(2, n.agreementId());
      s.executeUpdate();
    }
  }

  /** {@code n} as stored by a successful save: one version further. */
  private static Negotiation saved(Negotiation n) {
    return new Negotiation(
        n.id(),
        n.role(),
        n.counterparty(),
        n.peerPid(),
        n.datasetId(),
        n.offerId(),
        n.state(),
        n.purpose(),
        n.requestedPolicy(),
        n.offeredPolicy(),
        n.acceptablePolicy(),
        n.agreementId(),
        n.reasons(),
        n.outgoing(),
        n.traceId(),
        n.createdMs(),
        n.updatedMs(),
        n.version() + 1);
  }

  private static void insert(Connection c, Negotiation n) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO negotiations ("
                + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      bind(s, n);
      s.setLong(21, 1);
      s.executeUpdate();
    }
  }

  /**
   * Updates what a negotiation may change; the key and the request's terms never change (and
   * writing the key column would make SQLite re-check every row that references it).
   */
  private static void update(Connection c, Negotiation n) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "UPDATE negotiations SET peer_pid = ?, state = ?, offered_policy = ?, agreement_id = ?,"
                + " reasons = ?, pending_message = ?, attempts = ?, pending_since_ms = ?,"
                + " next_attempt_ms = ?, updated_ms = ?, version = ? WHERE id = ? AND version = ?")) {
      s.setString(1, n.peerPid());
      s.setString(2, n.state().name());
      s.setString(3, n.offeredPolicy());
      s.setString(4, n.agreementId());
      s.setString(5, json(n.reasons()));
      s.setBytes(6, n.pending());
      s.setInt(7, n.attempts());
      s.setLong(8, n.outgoing().sinceMs());
      s.setLong(9, n.outgoing().nextAttemptMs());
      s.setLong(10, n.updatedMs());
      s.setLong(11, n.version() + 1);
      s.setString(12, n.id());
      s.setLong(13, n.version());
      if (s.executeUpdate() != 1) {
        throw new SluiceException(
            ErrorCode.CONFLICT, "negotiation " + n.id() + " was changed concurrently");
      }
    }
  }

  private static void bind(PreparedStatement s, Negotiation n) throws SQLException {
    s.setString(1, n.id());
    s.setString(2, n.role().name());
    s.setString(3, n.counterparty());
    s.setString(4, n.peerPid());
    s.setString(5, n.datasetId());
    s.setString(6, n.offerId());
    s.setString(7, n.state().name());
    s.setString(8, n.purpose());
    s.setString(9, n.requestedPolicy());
    s.setString(10, n.offeredPolicy());
    s.setString(11, n.acceptablePolicy());
    s.setString(12, n.agreementId());
    s.setString(13, json(n.reasons()));
    s.setBytes(14, n.pending());
    s.setInt(15, n.attempts());
    s.setLong(16, n.outgoing().sinceMs());
    s.setLong(17, n.outgoing().nextAttemptMs());
    s.setString(18, n.traceId());
    s.setLong(19, n.createdMs());
    s.setLong(20, n.updatedMs());
  }

  private static void putAgreement(Connection c, StoredAgreement a) throws SQLException {
    int updated;
    try (PreparedStatement s =
        c.prepareStatement(
            "UPDATE agreements SET signed_agreement = ?, finalized = ? WHERE agreement_id = ?")) {
      s.setBytes(1, a.signedAgreement());
      s.setInt(2, a.finalized() ? 1 : 0);
      s.setString(3, a.agreementId());
      updated = s.executeUpdate();
    }
    if (updated == 1) {
      return;
    }
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO agreements ("
                + AGREEMENT_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, a.agreementId());
      s.setString(2, a.negotiationId());
      s.setString(3, a.role().name());
      s.setString(4, a.providerId());
      s.setString(5, a.consumerId());
      s.setString(6, a.datasetId());
      s.setBytes(7, a.signedAgreement());
      s.setLong(8, a.validFromMs());
      s.setLong(9, a.validUntilMs());
      s.setInt(10, a.finalized() ? 1 : 0);
      s.setString(11, a.terminatedReason() == null ? "" : a.terminatedReason());
      s.setLong(12, a.useCount());
      s.executeUpdate();
    }
  }

  @Override
  public Optional<StoredAgreement> agreement(String agreementId) {
    return db.query(
        c -> {
          List<StoredAgreement> found =
              agreements(
                  c,
                  "SELECT " + AGREEMENT_COLUMNS + " FROM agreements WHERE agreement_id = ?",
                  agreementId);
          return found.stream().findFirst();
        });
  }

  @Override
  public List<StoredAgreement> agreements() {
    return db.query(
        c ->
            agreements(
                c,
                "SELECT "
                    + AGREEMENT_COLUMNS
                    + " FROM agreements ORDER BY valid_from_ms, agreement_id"));
  }

  @Override
  public boolean terminateAgreement(String agreementId, String reason) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE agreements SET terminated_reason = ? WHERE agreement_id = ? AND terminated_reason = ''")) {
            s.setString(1, reason == null || reason.isEmpty() ? "terminated" : reason);
            s.setString(2, agreementId);
            return s.executeUpdate() == 1;
          }
        });
  }

  private static List<StoredAgreement> agreements(Connection c, String sql, String... args)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setString(i + 1, args[i]);
      }
      List<StoredAgreement> out = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(
              new StoredAgreement(
                  r.getString(1),
                  r.getString(2),
                  Role.valueOf(r.getString(3)),
                  r.getString(4),
                  r.getString(5),
                  r.getString(6),
                  r.getBytes(7),
                  r.getLong(8),
                  r.getLong(9),
                  r.getInt(10) == 1,
                  r.getString(11),
                  r.getLong(12)));
        }
      }
      return out;
    }
  }

  private static Optional<Negotiation> one(Connection c, String sql, Object... args)
      throws SQLException {
    return many(c, sql, args).stream().findFirst();
  }

  private static List<Negotiation> many(Connection c, String sql, Object... args)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        if (args[i] instanceof Long l) {
          s.setLong(i + 1, l);
        } else {
          s.setString(i + 1, (String) args[i]);
        }
      }
      List<Negotiation> out = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(
              new Negotiation(
                  r.getString(1),
                  Role.valueOf(r.getString(2)),
                  r.getString(3),
                  r.getString(4),
                  r.getString(5),
                  r.getString(6),
                  NegotiationState.valueOf(r.getString(7)),
                  r.getString(8),
                  r.getString(9),
                  r.getString(10),
                  r.getString(11),
                  r.getString(12),
                  reasons(r.getString(13)),
                  new Outgoing(r.getBytes(14), r.getInt(15), r.getLong(16), r.getLong(17)),
                  r.getString(18),
                  r.getLong(19),
                  r.getLong(20),
                  r.getLong(21)));
        }
      }
      return out;
    }
  }

  private static String json(List<String> reasons) {
    try {
      return JSON.writeValueAsString(reasons);
    } catch (JsonProcessingException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode reasons", e);
    }
  }

  private static List<String> reasons(String json) {
    try {
      return JSON.readValue(json, new TypeReference<List<String>>() {});
    } catch (JsonProcessingException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "corrupt stored reasons", e);
    }
  }
}
