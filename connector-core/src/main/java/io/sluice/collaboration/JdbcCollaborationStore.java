package io.sluice.collaboration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.negotiation.Outgoing;
import io.sluice.proto.v1.MemberSignature;
import io.sluice.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link CollaborationStore} on SQLite or PostgreSQL (the same SQL runs on both). */
public final class JdbcCollaborationStore implements CollaborationStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS =
      "id, role, proposer, state, signed, reasons, trace_id, expires_ms, created_ms, updated_ms,"
          + " version";
  private static final String OUTBOX_COLUMNS =
      "collaboration_id, member, kind, message, attempts, since_ms, next_attempt_ms";

  private final Database db;

  public JdbcCollaborationStore(Database db) {
    this.db = db;
  }

  @Override
  public Optional<StoredCollaboration> find(String id) {
    return db.query(
        c -> {
          List<StoredCollaboration> found =
              collaborations(c, "SELECT " + COLUMNS + " FROM collaborations WHERE id = ?", id);
          return found.stream().findFirst();
        });
  }

  @Override
  public List<StoredCollaboration> list() {
    return db.query(
        c ->
            collaborations(
                c, "SELECT " + COLUMNS + " FROM collaborations ORDER BY created_ms, id"));
  }

  @Override
  public List<StoredCollaboration> expiring(long nowMs) {
    return db.query(
        c ->
            collaborations(
                c,
                "SELECT "
                    + COLUMNS
                    + " FROM collaborations WHERE expires_ms <= ? AND state NOT IN ('REFUSED', 'EXPIRED')"
                    + " ORDER BY expires_ms, id",
                nowMs));
  }

  @Override
  public List<Delivery> outbox(String collaborationId) {
    return db.query(
        c ->
            deliveries(
                c,
                "SELECT "
                    + OUTBOX_COLUMNS
                    + " FROM collaboration_outbox WHERE collaboration_id = ? ORDER BY member",
                collaborationId));
  }

  @Override
  public List<Delivery> due(long nowMs) {
    return db.query(
        c ->
            deliveries(
                c,
                "SELECT "
                    + OUTBOX_COLUMNS
                    + " FROM collaboration_outbox WHERE next_attempt_ms <= ?"
                    + " ORDER BY next_attempt_ms, collaboration_id, member",
                nowMs));
  }

  @Override
  public List<MemberSignature> signatures(String collaborationId) {
    return db.query(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT member, signature, certificate FROM collaboration_signatures"
                      + " WHERE collaboration_id = ? ORDER BY member")) {
            s.setString(1, collaborationId);
            List<MemberSignature> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
              while (r.next()) {
                out.add(
                    MemberSignature.newBuilder()
                        .setMember(r.getString(1))
                        .setSignature(ByteString.copyFrom(r.getBytes(2)))
                        .setCertificate(ByteString.copyFrom(r.getBytes(3)))
                        .build());
              }
            }
            return out;
          }
        });
  }

  @Override
  public Optional<Processed> processed(
      String collaborationId, String sender, CollaborationTransitions.Slot slot) {
    return db.query(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT message_sha256, reply FROM collaboration_messages"
                      + " WHERE collaboration_id = ? AND sender = ? AND kind = ?")) {
            s.setString(1, collaborationId);
            s.setString(2, sender);
            s.setString(3, slot.name());
            try (ResultSet r = s.executeQuery()) {
              return r.next()
                  ? Optional.of(new Processed(sender, slot, r.getString(1), r.getBytes(2)))
                  : Optional.empty();
            }
          }
        });
  }

  @Override
  public StoredCollaboration save(StoredCollaboration collab, Changes changes) {
    return db.inTransaction(
        c -> {
          if (collab.version() == 0) {
            insert(c, collab);
          } else {
            update(c, collab);
          }
          if (changes.replaceOutbox()) {
            execute(c, "DELETE FROM collaboration_outbox WHERE collaboration_id = ?", collab.id());
          }
          for (Delivery d : changes.delivered()) {
            removeDelivered(c, d);
          }
          for (Delivery d : changes.send()) {
            queue(c, d);
          }
          if (changes.processed() != null) {
            processed(c, collab, changes.processed());
          }
          if (changes.signature() != null) {
            signature(c, collab.id(), changes.signature());
          }
          return collab.saved();
        });
  }

  @Override
  public void deliveryFailed(Delivery d) {
    db.runInTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE collaboration_outbox SET attempts = ?, next_attempt_ms = ?"
                      + " WHERE collaboration_id = ? AND member = ? AND message = ?")) {
            s.setInt(1, d.outgoing().attempts());
            s.setLong(2, d.outgoing().nextAttemptMs());
            s.setString(3, d.collaborationId());
            s.setString(4, d.member());
            s.setBytes(5, d.outgoing().message());
            return s.executeUpdate();
          }
        });
  }

  @Override
  public long useCount(String collaborationId) {
    return db.query(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("SELECT use_count FROM collaborations WHERE id = ?")) {
            s.setString(1, collaborationId);
            try (ResultSet r = s.executeQuery()) {
              if (!r.next()) {
                throw new SluiceException(
                    ErrorCode.COLLABORATION_NOT_FOUND, "no collaboration " + collaborationId);
              }
              return r.getLong(1);
            }
          }
        });
  }

  private static void insert(Connection c, StoredCollaboration s) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO collaborations ("
                + COLUMNS
                + ", use_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")) {
      p.setString(1, s.id());
      p.setString(2, s.role().name());
      p.setString(3, s.proposer());
      p.setString(4, s.state().name());
      p.setBytes(5, s.signed());
      p.setString(6, json(s.reasons()));
      p.setString(7, s.traceId());
      p.setLong(8, s.expiresMs());
      p.setLong(9, s.createdMs());
      p.setLong(10, s.updatedMs());
      p.setLong(11, 1);
      p.executeUpdate();
    } catch (SQLException e) {
      if (isDuplicate(e)) {
        throw new SluiceException(
            ErrorCode.CONFLICT, "collaboration " + s.id() + " was stored concurrently");
      }
      throw e;
    }
  }

  /** What a collaboration may change: its state, the document it holds and its reasons. */
  private static void update(Connection c, StoredCollaboration s) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "UPDATE collaborations SET state = ?, signed = ?, reasons = ?, updated_ms = ?,"
                + " version = ? WHERE id = ? AND version = ?")) {
      p.setString(1, s.state().name());
      p.setBytes(2, s.signed());
      p.setString(3, json(s.reasons()));
      p.setLong(4, s.updatedMs());
      p.setLong(5, s.version() + 1);
      p.setString(6, s.id());
      p.setLong(7, s.version());
      if (p.executeUpdate() != 1) {
        throw new SluiceException(
            ErrorCode.CONFLICT, "collaboration " + s.id() + " was changed concurrently");
      }
    }
  }

  private static void queue(Connection c, Delivery d) throws SQLException {
    execute(
        c,
        "DELETE FROM collaboration_outbox WHERE collaboration_id = ? AND member = ?",
        d.collaborationId(),
        d.member());
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO collaboration_outbox ("
                + OUTBOX_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      p.setString(1, d.collaborationId());
      p.setString(2, d.member());
      p.setString(3, d.kind().name());
      p.setBytes(4, d.outgoing().message());
      p.setInt(5, d.outgoing().attempts());
      p.setLong(6, d.outgoing().sinceMs());
      p.setLong(7, d.outgoing().nextAttemptMs());
      p.executeUpdate();
    }
  }

  private static void removeDelivered(Connection c, Delivery d) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "DELETE FROM collaboration_outbox WHERE collaboration_id = ? AND member = ? AND message = ?")) {
      p.setString(1, d.collaborationId());
      p.setString(2, d.member());
      p.setBytes(3, d.outgoing().message());
      p.executeUpdate();
    }
  }

  private static void processed(Connection c, StoredCollaboration s, Processed m)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO collaboration_messages"
                + " (collaboration_id, sender, kind, message_sha256, reply, created_ms)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
      p.setString(1, s.id());
      p.setString(2, m.sender());
      p.setString(3, m.slot().name());
      p.setString(4, m.messageSha256());
      p.setBytes(5, m.reply());
      p.setLong(6, s.updatedMs());
      p.executeUpdate();
    } catch (SQLException e) {
      if (isDuplicate(e)) {
        throw new SluiceException(
            ErrorCode.CONFLICT, "message of " + m.sender() + " was processed concurrently");
      }
      throw e;
    }
  }

  private static void signature(Connection c, String id, MemberSignature sig) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO collaboration_signatures (collaboration_id, member, signature, certificate)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT (collaboration_id, member) DO NOTHING")) {
      p.setString(1, id);
      p.setString(2, sig.getMember());
      p.setBytes(3, sig.getSignature().toByteArray());
      p.setBytes(4, sig.getCertificate().toByteArray());
      p.executeUpdate();
    }
  }

  private static boolean isDuplicate(SQLException e) {
    String state = e.getSQLState();
    String message = String.valueOf(e.getMessage());
    return "23505".equals(state) || message.contains("UNIQUE") || message.contains("PRIMARY KEY");
  }

  private static void execute(Connection c, String sql, String... args) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setString(i + 1, args[i]);
      }
      p.executeUpdate();
    }
  }

  private static List<StoredCollaboration> collaborations(Connection c, String sql, Object... args)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      bindAll(s, args);
      List<StoredCollaboration> out = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(
              new StoredCollaboration(
                  r.getString(1),
                  CollaborationRole.valueOf(r.getString(2)),
                  r.getString(3),
                  CollaborationState.valueOf(r.getString(4)),
                  r.getBytes(5),
                  list(r.getString(6)),
                  r.getString(7),
                  r.getLong(8),
                  r.getLong(9),
                  r.getLong(10),
                  r.getLong(11)));
        }
      }
      return out;
    }
  }

  private static List<Delivery> deliveries(Connection c, String sql, Object... args)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      bindAll(s, args);
      List<Delivery> out = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(
              new Delivery(
                  r.getString(1),
                  r.getString(2),
                  CollaborationTransitions.Kind.valueOf(r.getString(3)),
                  new Outgoing(r.getBytes(4), r.getInt(5), r.getLong(6), r.getLong(7))));
        }
      }
      return out;
    }
  }

  private static void bindAll(PreparedStatement s, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      if (args[i] instanceof Long l) {
        s.setLong(i + 1, l);
      } else {
        s.setString(i + 1, (String) args[i]);
      }
    }
  }

  private static String json(List<String> reasons) {
    try {
      return JSON.writeValueAsString(reasons);
    } catch (JsonProcessingException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode reasons", e);
    }
  }

  private static List<String> list(String json) {
    try {
      return JSON.readValue(json, new TypeReference<List<String>>() {});
    } catch (JsonProcessingException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "stored reasons do not parse", e);
    }
  }
}
