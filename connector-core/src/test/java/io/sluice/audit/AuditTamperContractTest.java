package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.audit.AuditProblem.Kind;
import io.sluice.audit.merkle.TreeHasher;
import io.sluice.store.Database;
import io.sluice.testing.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Tampering with a stored log directly in the database, as someone with write access to it could:
 * deleting, moving or editing any entry (any column, with or without recomputing its stored leaf
 * hash), altering any signed head. Each random mutation (or pair of them) must be detected, and the
 * verifier must name the first bad entry or head in log order. The seed is printed in every
 * failure; set {@code -Dsluice.tamper.seed=N} to replay one.
 */
abstract class AuditTamperContractTest {
  private static final int ENTRIES = 300;
  private static final List<String> ENTRY_FIELDS =
      List.of(
          "event_time",
          "event_type",
          "trace_id",
          "session_id",
          "actor",
          "counterparty",
          "agreement_id",
          "digest",
          "details",
          "leaf_hash");

  abstract Database open();

  /** How many random mutations (and as many pairs of them) to try. */
  abstract int mutations();

  /** A change to the database, its undo, and where the verifier must report it. */
  private record Mutation(
      String description, Sql apply, Sql revert, Kind kind, long sequence, long position) {}

  @FunctionalInterface
  private interface Sql {
    void run(Connection connection) throws SQLException;
  }

  private Database database;
  private List<Long> headSizes;
  private SplittableRandom random;
  private long seed;
  private final Set<Long> usedSeqs = new HashSet<>();

  @Test
  void everyDeletionReorderingEditOrHeadChangeIsDetectedAtTheFirstBadEntry() {
    seed = Long.getLong("sluice.tamper.seed", System.nanoTime());
    random = new SplittableRandom(seed);
    database = open();
    MutableClock clock = new MutableClock(Instant.parse("2025-06-01T08:00:00Z"));
    try (AuditLog log =
        AuditLog.open(
            database,
            AuditFixtures.nodeSigner(),
            AuditLogConfig.defaults()
                .withSignEveryEntries(37)
                .withMaxBatchSize(8)
                .withSignInterval(Duration.ofHours(1)),
            clock)) {
      for (int i = 0; i < ENTRIES; i++) {
        clock.advance(Duration.ofMillis(3));
        log.append(AuditFixtures.event(random, clock.instant(), i));
      }
    }
    headSizes = new AuditStore(database).heads().stream().map(h -> h.head().size()).toList();
    assertThat(headSizes).hasSizeGreaterThan(5).last().isEqualTo((long) ENTRIES);
    assertThat(verify().ok()).isTrue();

    for (int round = 0; round < mutations(); round++) {
      usedSeqs.clear();
      check(List.of(anyMutation()));
      usedSeqs.clear();
      check(List.of(combinableMutation(), combinableMutation()));
      if (round % 20 == 0) {
        assertThat(verify().ok()).as("log restored after round %d, seed %d", round, seed).isTrue();
      }
    }
    AuditVerification restored = verify();
    assertThat(restored.ok()).as("seed %d: %s", seed, restored).isTrue();
    assertThat(restored.entries()).isEqualTo(ENTRIES);
    assertThat(restored.heads()).isEqualTo(headSizes.size());
  }

  private void check(List<Mutation> mutations) {
    for (Mutation m : mutations) {
      database.runInTransaction(
          c -> {
            m.apply().run(c);
            return null;
          });
    }
    AuditVerification result = verify();
    Mutation first =
        mutations.stream().min((a, b) -> Long.compare(a.position(), b.position())).orElseThrow();
    String what = "seed " + seed + ", " + mutations.stream().map(Mutation::description).toList();
    assertThat(result.problem()).as(what).isPresent();
    AuditProblem problem = result.problem().orElseThrow();
    assertThat(problem.kind()).as(what + " -> " + problem).isEqualTo(first.kind());
    assertThat(problem.sequence()).as(what + " -> " + problem).isEqualTo(first.sequence());
    assertThat(problem.message())
        .as(what)
        .contains(first.kind().isHead() ? "size " + first.sequence() : "entry " + first.sequence());
    for (int i = mutations.size() - 1; i >= 0; i--) {
      Mutation m = mutations.get(i);
      database.runInTransaction(
          c -> {
            m.revert().run(c);
            return null;
          });
    }
  }

  private AuditVerification verify() {
    return new AuditVerifier(List.of(AuditFixtures.nodeSigner().certificate())).verify(database);
  }

  private Mutation anyMutation() {
    return random.nextInt(8) == 0 ? forgedEdit() : combinableMutation();
  }

  /** Mutations that touch rows no other mutation of the same check touches. */
  private Mutation combinableMutation() {
    return switch (random.nextInt(6)) {
      case 0, 1 -> editEntry();
      case 2 -> deleteEntry();
      case 3 -> swapEntries();
      case 4 -> moveEntry();
      default -> random.nextBoolean() ? editHead() : resizeHead();
    };
  }

  private long freshSeq() {
    while (true) {
      long seq = random.nextInt(ENTRIES);
      if (usedSeqs.add(seq)) {
        return seq;
      }
    }
  }

  private static long entryPosition(long seq) {
    return 2 * seq;
  }

  private static long headPosition(long size) {
    return 2 * size - 1;
  }

  private Mutation editEntry() {
    long seq = freshSeq();
    String column = ENTRY_FIELDS.get(random.nextInt(ENTRY_FIELDS.size()));
    Object original = readEntryColumn(seq, column);
    Object changed = change(original, column);
    return new Mutation(
        "edit " + column + " of entry " + seq,
        c -> setEntryColumn(c, seq, column, changed),
        c -> setEntryColumn(c, seq, column, original),
        Kind.ENTRY_EDITED,
        seq,
        entryPosition(seq));
  }

  private Object change(Object original, String column) {
    if (original instanceof Long n) {
      return n + 1 + random.nextInt(1000);
    }
    if (original instanceof byte[] bytes) {
      if (bytes.length == 0) {
        return new byte[] {(byte) random.nextInt(256)};
      }
      byte[] flipped = bytes.clone();
      int bit = random.nextInt(bytes.length * 8);
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      return flipped;
    }
    String text = (String) original;
    if (column.equals("details")) {
      // Same JSON meaning, other bytes: still a change to what was signed.
      return random.nextBoolean() ? text.replaceFirst("\\{", "{ ") : text.replace("1", "2") + " ";
    }
    return text.isEmpty() ? "x" : text.substring(0, text.length() - 1);
  }

  private Mutation deleteEntry() {
    long seq = freshSeq();
    Object[] row = readEntry(seq);
    return new Mutation(
        "delete entry " + seq,
        c -> update(c, "DELETE FROM audit_entries WHERE seq = ?", seq),
        c -> insertEntry(c, row),
        Kind.ENTRY_MISSING,
        seq,
        entryPosition(seq));
  }

  private Mutation swapEntries() {
    long a = freshSeq();
    long b = freshSeq();
    long first = Math.min(a, b);
    long second = Math.max(a, b);
    long parking = ENTRIES + 1000 + random.nextInt(1_000_000);
    Sql swap =
        c -> {
          update(c, "UPDATE audit_entries SET seq = ? WHERE seq = ?", parking, first);
          update(c, "UPDATE audit_entries SET seq = ? WHERE seq = ?", first, second);
          update(c, "UPDATE audit_entries SET seq = ? WHERE seq = ?", second, parking);
        };
    return new Mutation(
        "swap entries " + first + " and " + second,
        swap,
        swap,
        Kind.ENTRY_EDITED,
        first,
        entryPosition(first));
  }

  private Mutation moveEntry() {
    long seq = freshSeq();
    long target = ENTRIES + 1 + random.nextInt(1_000_000);
    return new Mutation(
        "move entry " + seq + " to " + target,
        c -> update(c, "UPDATE audit_entries SET seq = ? WHERE seq = ?", target, seq),
        c -> update(c, "UPDATE audit_entries SET seq = ? WHERE seq = ?", seq, target),
        Kind.ENTRY_MISSING,
        seq,
        entryPosition(seq));
  }

  /** Edits an entry and stores the leaf hash of the edited entry, as a careful forger would. */
  private Mutation forgedEdit() {
    long seq = freshSeq();
    Object[] row = readEntry(seq);
    String forgedActor = "sluice://health/mallory";
    byte[] forgedLeaf =
        new TreeHasher()
            .hashLeaf(
                EntryCodec.encode(
                    seq,
                    (Long) row[1],
                    (String) row[2],
                    (String) row[3],
                    (String) row[4],
                    forgedActor,
                    (String) row[6],
                    (String) row[7],
                    (byte[]) row[8],
                    (String) row[9]));
    long coveringHead = headSizes.stream().filter(size -> size > seq).findFirst().orElseThrow();
    return new Mutation(
        "forge entry " + seq,
        c -> {
          setEntryColumn(c, seq, "actor", forgedActor);
          setEntryColumn(c, seq, "leaf_hash", forgedLeaf);
        },
        c -> {
          setEntryColumn(c, seq, "actor", row[5]);
          setEntryColumn(c, seq, "leaf_hash", row[10]);
        },
        Kind.HEAD_ROOT_MISMATCH,
        coveringHead,
        headPosition(coveringHead));
  }

  private long freshHead() {
    while (true) {
      long size = headSizes.get(random.nextInt(headSizes.size()));
      // Heads share sequence-number space with entries only for bookkeeping of this test.
      if (usedSeqs.add(-size)) {
        return size;
      }
    }
  }

  private Mutation editHead() {
    long size = freshHead();
    int choice = random.nextInt(5);
    String column =
        List.of("head_time", "root_hash", "signature", "signer_fingerprint", "root_hash")
            .get(choice);
    Object original = readHeadColumn(size, column);
    Object changed;
    Kind kind = Kind.HEAD_BAD_SIGNATURE;
    if (column.equals("signer_fingerprint")) {
      changed = AuditFixtures.otherSigner().fingerprint();
      kind = Kind.HEAD_UNKNOWN_SIGNER;
    } else if (choice == 4) {
      changed = Arrays.copyOf((byte[]) original, 31);
      kind = Kind.HEAD_MALFORMED;
    } else {
      changed = change(original, column);
    }
    Object value = changed;
    return new Mutation(
        "change " + column + " of head " + size + (choice == 4 ? " to 31 bytes" : ""),
        c -> setHeadColumn(c, size, column, value),
        c -> setHeadColumn(c, size, column, original),
        kind,
        size,
        headPosition(size));
  }

  private Mutation resizeHead() {
    long size = freshHead();
    long newSize;
    do {
      newSize = 1 + random.nextInt(ENTRIES + 50);
    } while (headSizes.contains(newSize) || !usedSeqs.add(-newSize));
    long to = newSize;
    return new Mutation(
        "resize head " + size + " to " + to,
        c -> update(c, "UPDATE audit_tree_heads SET tree_size = ? WHERE tree_size = ?", to, size),
        c -> update(c, "UPDATE audit_tree_heads SET tree_size = ? WHERE tree_size = ?", size, to),
        Kind.HEAD_BAD_SIGNATURE,
        to,
        headPosition(to));
  }

  // ---- plain SQL on the audit tables ---------------------------------------------------

  private Object[] readEntry(long seq) {
    return database.read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT " + AuditStore.ENTRY_COLUMNS + " FROM audit_entries WHERE seq = ?")) {
            s.setLong(1, seq);
            try (ResultSet rows = s.executeQuery()) {
              rows.next();
              return new Object[] {
                rows.getLong(1),
                rows.getLong(2),
                rows.getString(3),
                rows.getString(4),
                rows.getString(5),
                rows.getString(6),
                rows.getString(7),
                rows.getString(8),
                rows.getBytes(9),
                rows.getString(10),
                rows.getBytes(11)
              };
            }
          }
        });
  }

  private Object readEntryColumn(long seq, String column) {
    Object[] row = readEntry(seq);
    return row[List.of(AuditStore.ENTRY_COLUMNS.split(",\\s*")).indexOf(column)];
  }

  private static void insertEntry(Connection c, Object[] row) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO audit_entries ("
                + AuditStore.ENTRY_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (int i = 0; i < row.length; i++) {
        bind(s, i + 1, row[i]);
      }
      s.executeUpdate();
    }
  }

  private static void setEntryColumn(Connection c, long seq, String column, Object value)
      throws SQLException {
    update(c, "UPDATE audit_entries SET " + column + " = ? WHERE seq = ?", value, seq);
  }

  private Object readHeadColumn(long size, String column) {
    return database.read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT " + column + " FROM audit_tree_heads WHERE tree_size = ?")) {
            s.setLong(1, size);
            try (ResultSet rows = s.executeQuery()) {
              rows.next();
              return switch (column) {
                case "head_time" -> (Object) rows.getLong(1);
                case "signer_fingerprint" -> rows.getString(1);
                default -> rows.getBytes(1);
              };
            }
          }
        });
  }

  private static void setHeadColumn(Connection c, long size, String column, Object value)
      throws SQLException {
    update(c, "UPDATE audit_tree_heads SET " + column + " = ? WHERE tree_size = ?", value, size);
  }

  private static void update(Connection c, String sql, Object... values) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < values.length; i++) {
        bind(s, i + 1, values[i]);
      }
      assertThat(s.executeUpdate()).as(sql).isEqualTo(1);
    }
  }

  private static void bind(PreparedStatement s, int index, Object value) throws SQLException {
    if (value instanceof Long n) {
      s.setLong(index, n);
    } else if (value instanceof byte[] bytes) {
      s.setBytes(index, bytes);
    } else {
      s.setString(index, (String) value);
    }
  }
}
