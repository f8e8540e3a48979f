package io.sluice.audit;

import io.sluice.audit.merkle.MerkleAccumulator;
import io.sluice.audit.merkle.MerkleVerifier;
import io.sluice.audit.merkle.TreeHasher;
import io.sluice.audit.merkle.TreeHead;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's tamper-evident audit log: an append-only sequence of {@link AuditEvent}s, the leaves of
 * an RFC 9162 Merkle tree whose heads the node signs.
 *
 * <p><b>Appending.</b> {@link #append} puts the event on a bounded queue and returns a future of
 * its sequence number; it blocks only while the queue is full (backpressure: the writer is behind
 * by {@link AuditLogConfig#queueCapacity()} events). One writer thread takes what is queued, up to
 * {@link AuditLogConfig#maxBatchSize()} events, assigns the next sequence numbers, encodes and
 * hashes them and inserts them in <em>one</em> transaction; when it commits, the futures complete
 * (on the writer thread: attach slow callbacks with the {@code *Async} methods). A failed
 * transaction fails its futures and uses no sequence numbers. {@link #flush()} completes when
 * everything appended before it is stored.
 *
 * <p><b>Signing.</b> The writer signs a tree head (size, root, time) with the node key when {@link
 * AuditLogConfig#signEveryEntries()} entries are unsigned, when entries have waited {@link
 * AuditLogConfig#signInterval()} (checked by a scheduler the log owns, against the injected clock),
 * on {@link #signHead()}, and at {@link #close()}. Before signing it checks an RFC 9162 consistency
 * proof, from the stored leaf hashes, from the last signed head to the new one; if that fails the
 * store was changed underneath it, and the log signs nothing more and fails every later append. A
 * head's time never goes back, even if the clock does.
 *
 * <p><b>Opening.</b> {@link #open} first runs {@link AuditVerifier} over the stored log (cost: one
 * pass over every entry) and refuses to start, with {@code AUDIT_LOG_TAMPERED} naming the first bad
 * entry or head, if it does not verify. Then it continues the same tree.
 *
 * <p>One {@code AuditLog} per database: it assumes it is the only writer of the audit tables.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  /** An entry ready to insert. */
  record Pending(long sequence, AuditEvent event, byte[] leafHash) {}

  private sealed interface Command permits Append, Barrier, Stop {
    CompletableFuture<?> done();
  }

  private record Append(AuditEvent event, CompletableFuture<Long> done) implements Command {}

  private enum BarrierKind {
    FLUSH,
    SIGN_NOW,
    SIGN_IF_DUE
  }

  private record Barrier(BarrierKind kind, CompletableFuture<Optional<SignedTreeHead>> done)
      implements Command {}

  private record Stop(CompletableFuture<Optional<SignedTreeHead>> done) implements Command {}

  private final Database database;
  private final AuditStore store;
  private final TreeHeadSigner signer;
  private final AuditLogConfig config;
  private final Clock clock;
  private final BlockingQueue<Command> queue;
  private final Thread writer;
  private final ScheduledExecutorService scheduler;
  private final TreeHasher hasher = new TreeHasher();

  // Written by the writer thread only.
  private final MerkleAccumulator accumulator;
  private volatile Instant lastSignedAt;

  private volatile long size;
  private volatile Optional<SignedTreeHead> lastHead;
  private volatile SluiceException failure;
  private volatile boolean closed;

  private AuditLog(
      AuditStore store,
      TreeHeadSigner signer,
      AuditLogConfig config,
      Clock clock,
      AuditVerifier.Outcome state) {
    this.database = store.database();
    this.store = store;
    this.signer = signer;
    this.config = config;
    this.clock = clock;
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
    this.accumulator = state.accumulator();
    this.size = accumulator.size();
    this.lastHead = state.lastHead();
    this.lastSignedAt = clock.instant();
    this.writer = new Thread(this::run, "sluice-audit-writer");
    this.writer.setDaemon(true);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "sluice-audit-heads");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Verifies the log stored in {@code database} and opens it for appending.
   *
   * @param signer the node key that signs tree heads; heads signed by it or by one of {@link
   *     AuditLogConfig#previousSigners()} verify
   * @param clock the time of tree heads and of the signing interval
   * @throws SluiceException AUDIT_LOG_TAMPERED, naming the first bad entry or head, if the stored
   *     log does not verify
   */
  public static AuditLog open(
      Database database, TreeHeadSigner signer, AuditLogConfig config, Clock clock) {
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clock, "clock");
    List<X509Certificate> trusted = new ArrayList<>(config.previousSigners());
    trusted.add(signer.certificate());
    AuditStore store = new AuditStore(database);
    AuditVerifier.Outcome state = new AuditVerifier(trusted).check(store);
    state
        .verification()
        .problem()
        .ifPresent(
            problem -> {
              throw new SluiceException(
                  ErrorCode.AUDIT_LOG_TAMPERED,
                  "the stored audit log does not verify: " + problem.message());
            });
    AuditLog log = new AuditLog(store, signer, config, clock, state);
    log.writer.start();
    long period = tickPeriod(config.signInterval()).toNanos();
    log.scheduler.scheduleAtFixedRate(log::tickQuietly, period, period, TimeUnit.NANOSECONDS);
    return log;
  }

  /** How often the scheduler looks at the clock: a tenth of the interval, 1 ms to 1 s. */
  static Duration tickPeriod(Duration signInterval) {
    Duration tenth = signInterval.dividedBy(10);
    Duration min = Duration.ofMillis(1);
    Duration max = Duration.ofSeconds(1);
    return tenth.compareTo(min) < 0 ? min : tenth.compareTo(max) > 0 ? max : tenth;
  }

  /**
   * Queues {@code event}; blocks only while the queue is full.
   *
   * @return completes with the entry's sequence number once it is stored, or exceptionally if the
   *     store fails or the log is broken or closes first
   * @throws SluiceException UNAVAILABLE if the log is closed (or the thread is interrupted while
   *     waiting for room)
   */
  public CompletableFuture<Long> append(AuditEvent event) {
    Objects.requireNonNull(event, "event");
    CompletableFuture<Long> done = new CompletableFuture<>();
    enqueue(new Append(event, done), done);
    return done;
  }

  /** Completes when every event appended before it is stored. */
  public CompletableFuture<Void> flush() {
    CompletableFuture<Optional<SignedTreeHead>> done = new CompletableFuture<>();
    enqueue(new Barrier(BarrierKind.FLUSH, done), done);
    return done.thenApply(head -> null);
  }

  /**
   * Stores everything appended before it and signs a head covering it, unless the latest head
   * already does.
   *
   * @return the latest signed head after that; empty while the log is empty
   */
  public CompletableFuture<Optional<SignedTreeHead>> signHead() {
    CompletableFuture<Optional<SignedTreeHead>> done = new CompletableFuture<>();
    enqueue(new Barrier(BarrierKind.SIGN_NOW, done), done);
    return done;
  }

  /**
   * What the scheduler does: signs a head if entries have waited the signing interval by the clock.
   * Tests call it after moving a fake clock.
   */
  CompletableFuture<Optional<SignedTreeHead>> tick() {
    CompletableFuture<Optional<SignedTreeHead>> done = new CompletableFuture<>();
    enqueue(new Barrier(BarrierKind.SIGN_IF_DUE, done), done);
    return done;
  }

  private void tickQuietly() {
    if (!closed) {
      // Never block the scheduler: a full queue means the writer is busy and signs by count.
      queue.offer(new Barrier(BarrierKind.SIGN_IF_DUE, new CompletableFuture<>()));
    }
  }

  private void enqueue(Command command, CompletableFuture<?> done) {
    if (closed) {
      throw closedException();
    }
    try {
      queue.put(command);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException(ErrorCode.UNAVAILABLE, "interrupted while appending to audit log");
    }
    // close() may have drained the queue between the check and the put.
    if (closed && queue.remove(command)) {
      done.completeExceptionally(closedException());
    }
  }

  private static SluiceException closedException() {
    return new SluiceException(ErrorCode.UNAVAILABLE, "the audit log is closed");
  }

  /** The number of stored entries. */
  public long size() {
    return size;
  }

  /** The latest head this log signed or verified at open. */
  public Optional<SignedTreeHead> latestHead() {
    return lastHead;
  }

  /**
   * When the schedule signs the next head at the latest, for entries appended now: the signing
   * interval after the last head (or now, if that has passed), plus the scheduler's tick. Heads
   * every {@link AuditLogConfig#signEveryEntries()} entries may come sooner.
   */
  public Instant nextHeadDue() {
    Instant due = lastSignedAt.plus(config.signInterval());
    Instant now = clock.instant();
    return (due.isBefore(now) ? now : due).plus(tickPeriod(config.signInterval()));
  }

  /** Queries and proofs over the stored log. */
  public AuditStore store() {
    return store;
  }

  // ---- the writer thread -----------------------------------------------------------------

  private void run() {
    List<Command> commands = new ArrayList<>(config.maxBatchSize());
    List<Append> appends = new ArrayList<>(config.maxBatchSize());
    boolean stopping = false;
    while (!stopping) {
      commands.clear();
      try {
        commands.add(queue.take());
      } catch (InterruptedException e) {
        LOG.error("the audit writer was interrupted; the audit log stops");
        failure = new SluiceException(ErrorCode.UNAVAILABLE, "the audit writer was interrupted");
        break;
      }
      queue.drainTo(commands, config.maxBatchSize() - 1);
      for (Command command : commands) {
        if (command instanceof Append append) {
          appends.add(append);
          continue;
        }
        write(appends);
        if (command instanceof Barrier barrier) {
          complete(barrier.done(), () -> barrier(barrier.kind()));
        } else if (command instanceof Stop stop) {
          complete(stop.done(), this::signIfUnsigned);
          stopping = true;
        }
      }
      write(appends);
    }
    failQueued();
  }

  private Optional<SignedTreeHead> barrier(BarrierKind kind) {
    return switch (kind) {
      case FLUSH -> lastHead;
      case SIGN_NOW -> signIfUnsigned();
      case SIGN_IF_DUE ->
          size > signedSize() && !clock.instant().isBefore(lastSignedAt.plus(config.signInterval()))
              ? signIfUnsigned()
              : lastHead;
    };
  }

  private void complete(
      CompletableFuture<Optional<SignedTreeHead>> done, Supplier<Optional<SignedTreeHead>> work) {
    if (failure != null) {
      done.completeExceptionally(failure);
      return;
    }
    try {
      done.complete(work.get());
    } catch (SluiceException e) {
      LOG.error("audit log: {}", e.getMessage());
      done.completeExceptionally(e);
    } catch (RuntimeException e) {
      LOG.error("audit log failure", e);
      done.completeExceptionally(e);
    }
  }

  /**
   * Stores the appends in one transaction, then signs a head if enough entries are unsigned. If the
   * transaction fails, each append is tried again on its own, so that an entry the store refuses
   * fails alone instead of taking the rest of its batch (e.g. another session's end) with it.
   */
  private void write(List<Append> appends) {
    if (appends.isEmpty()) {
      return;
    }
    try {
      store(appends);
    } catch (RuntimeException e) {
      if (appends.size() == 1 || failure != null) {
        fail(appends, e);
      } else {
        for (Append append : appends) {
          try {
            store(List.of(append));
          } catch (RuntimeException alone) {
            fail(List.of(append), alone);
          }
        }
      }
    } finally {
      appends.clear();
    }
    if (failure == null && size - signedSize() >= config.signEveryEntries()) {
      complete(new CompletableFuture<>(), this::signIfUnsigned);
    }
  }

  /** One transaction: numbers, stores and completes the appends, or throws having stored none. */
  private void store(List<Append> appends) {
    if (failure != null) {
      throw failure;
    }
    long first = accumulator.size();
    List<Pending> batch = new ArrayList<>(appends.size());
    for (Append append : appends) {
      long sequence = first + batch.size();
      batch.add(
          new Pending(sequence, append.event(), hasher.hashLeaf(append.event().encode(sequence))));
    }
    database.runInTransaction(
        connection -> {
          AuditStore.insertEntries(database.dialect(), connection, batch);
          return null;
        });
    for (Pending pending : batch) {
      accumulator.appendLeafHash(pending.leafHash());
    }
    size = accumulator.size();
    for (int i = 0; i < appends.size(); i++) {
      appends.get(i).done().complete(batch.get(i).sequence());
    }
  }

  private static void fail(List<Append> appends, RuntimeException e) {
    if (!(e instanceof SluiceException)) {
      LOG.error("audit log: cannot store a batch", e);
    }
    for (Append append : appends) {
      append.done().completeExceptionally(e);
    }
  }

  private long signedSize() {
    return lastHead.map(h -> h.head().size()).orElse(0L);
  }

  /** Signs a head over every stored entry unless the last head covers them all. */
  private Optional<SignedTreeHead> signIfUnsigned() {
    long treeSize = accumulator.size();
    Optional<SignedTreeHead> previous = lastHead;
    if (treeSize == 0 || treeSize == signedSize()) {
      return previous;
    }
    Instant now = clock.instant();
    if (previous.isPresent() && now.isBefore(previous.get().head().timestamp())) {
      now = previous.get().head().timestamp();
    }
    TreeHead head = new TreeHead(treeSize, accumulator.root(), now);
    if (previous.isPresent()) {
      TreeHead older = previous.get().head();
      if (!MerkleVerifier.verifyConsistency(
          older, head, store.consistencyProof(older.size(), treeSize))) {
        failure =
            new SluiceException(
                ErrorCode.AUDIT_LOG_TAMPERED,
                "the stored audit log no longer extends the head of size "
                    + older.size()
                    + "; no further heads are signed");
        throw failure;
      }
    }
    SignedTreeHead signed = signer.sign(head);
    store.insertHead(signed);
    lastHead = Optional.of(signed);
    lastSignedAt = clock.instant();
    return lastHead;
  }

  private void failQueued() {
    List<Command> rest = new ArrayList<>();
    queue.drainTo(rest);
    SluiceException e = failure != null ? failure : closedException();
    for (Command command : rest) {
      command.done().completeExceptionally(e);
    }
  }

  /**
   * Stores everything appended so far, signs a final head if entries are unsigned, and stops the
   * writer and the scheduler. Appends after this fail. Does not close the database.
   *
   * @throws SluiceException if the final head cannot be signed or stored
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    scheduler.shutdownNow();
    CompletableFuture<Optional<SignedTreeHead>> done = new CompletableFuture<>();
    boolean interrupted = false;
    while (true) {
      try {
        queue.put(new Stop(done));
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      while (true) {
        try {
          writer.join();
          scheduler.awaitTermination(1, TimeUnit.MINUTES);
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      failQueued();
      done.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof SluiceException s
          ? s
          : new SluiceException(ErrorCode.INTERNAL, "cannot close the audit log", e.getCause());
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
