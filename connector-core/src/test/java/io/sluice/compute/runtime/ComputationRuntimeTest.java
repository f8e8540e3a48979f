package io.sluice.compute.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.negotiation.TestAgreements;
import io.sluice.store.Database;
import io.sluice.store.TestDatabases;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The runtime's lifecycle of a session: reservation, allocator, deadline, stop, spend, release. */
class ComputationRuntimeTest {
  @RegisterExtension final TestDatabases.Store store = TestDatabases.sqlite();

  private Database db;
  private RootAllocator root;
  private ScheduledExecutorService timers;

  @BeforeEach
  void setUp() {
    db = store.open();
    TestAgreements.insert(db, "a1");
    root = new RootAllocator(); // closing it fails on any leak
    timers = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterEach
  void tearDown() {
    timers.shutdownNow();
    root.close();
  }

  private ComputationRuntime runtime(Duration deadline) {
    return new ComputationRuntime(
        new JdbcUseLedger(db, JdbcUseLedger.Counter.AGREEMENTS, Clock.systemUTC()),
        root,
        timers,
        new ComputationRuntime.Limits(1 << 20, deadline));
  }

  private static SessionKey key(String session) {
    return new SessionKey("a1", session, "test");
  }

  private static final FrameVocabulary FRAMES =
      new FrameVocabulary() {
        @Override
        public String kind() {
          return "test";
        }

        @Override
        public boolean knows(int type) {
          return type == 1 || type == 9;
        }

        @Override
        public String name(int type) {
          return type == 9 ? "cancel" : "data";
        }

        @Override
        public boolean stops(int type) {
          return type == 9;
        }

        @Override
        public long dataRows(WireFrame frame) {
          return 0;
        }
      };

  /** A channel that keeps what is sent. */
  private static final class Recording implements PeerChannel {
    final List<WireFrame> sent = new ArrayList<>();

    @Override
    public String peer() {
      return "insurer";
    }

    @Override
    public void send(WireFrame frame) {
      sent.add(frame);
    }

    @Override
    public WireFrame receive(Duration timeout) {
      throw new SluiceException(ErrorCode.DEADLINE_EXCEEDED, "nothing");
    }

    @Override
    public int maxFrameBytes() {
      return 1024;
    }

    @Override
    public void close() {}
  }

  @Test
  void aSessionThatFailsBeforeSendingGivesItsUseAndMemoryBack() {
    ComputationRuntime runtime = runtime(Duration.ofMinutes(1));
    RuntimeSession s = runtime.open(key("s1"), 1);
    ArrowBuf buf = s.allocator().buffer(4096);
    assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);
    s.stop(new SluiceException(ErrorCode.CANCELLED, "the caller cancelled"));
    buf.close();
    s.close();
    assertThat(root.getAllocatedMemory()).isZero();
    assertThat(TestAgreements.useCount(db, "a1")).isZero();
    assertThat(runtime.ledger().state("a1", "s1")).contains(UseLedger.State.RETURNED);
    assertThat(runtime.open()).isZero();
  }

  @Test
  void aLeakIsReportedAfterTheUseWasSettled() {
    // Its own root: Arrow keeps a leaking child registered with its parent for good.
    RootAllocator leaky = new RootAllocator();
    ComputationRuntime runtime =
        new ComputationRuntime(
            new JdbcUseLedger(db, JdbcUseLedger.Counter.AGREEMENTS, Clock.systemUTC()),
            leaky,
            timers,
            new ComputationRuntime.Limits(1 << 20, Duration.ofMinutes(1)));
    RuntimeSession s = runtime.open(key("s1"), 1);
    ArrowBuf leaked = s.allocator().buffer(64);
    assertThatThrownBy(s::close)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Memory was leaked");
    assertThat(TestAgreements.useCount(db, "a1")).isZero();
    assertThat(runtime.open()).isZero();
    assertThat(leaked.capacity()).isEqualTo(64); // never freed: this root is left to the GC
  }

  @Test
  void theFirstFrameOutSpendsTheUseButACancelDoesNot() {
    ComputationRuntime runtime = runtime(Duration.ofMinutes(1));
    Recording wire = new Recording();
    try (RuntimeSession s = runtime.open(key("s1"), 1)) {
      PeerChannel channel = s.spending(wire, FRAMES);
      channel.send(new WireFrame(9, 0, new byte[0]));
      assertThat(s.spent()).isFalse();
      assertThat(runtime.ledger().state("a1", "s1")).contains(UseLedger.State.RESERVED);
      channel.send(new WireFrame(1, 0, new byte[] {1}));
      assertThat(s.spent()).isTrue();
      assertThat(runtime.ledger().state("a1", "s1")).contains(UseLedger.State.SPENT);
    }
    assertThat(wire.sent).hasSize(2);
    assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);
    assertThatThrownBy(() -> runtime.open(key("s1"), 5))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_SPENT));
  }

  @Test
  void aStoppedSessionSendsNoDataFrameAndSpendsNothing() {
    ComputationRuntime runtime = runtime(Duration.ofMinutes(1));
    Recording wire = new Recording();
    try (RuntimeSession s = runtime.open(key("s1"), 1)) {
      PeerChannel channel = s.spending(wire, FRAMES);
      s.stop(new SluiceException(ErrorCode.CANCELLED, "the caller cancelled"));
      assertThatThrownBy(() -> channel.send(new WireFrame(1, 0, new byte[] {1})))
          .isInstanceOfSatisfying(
              SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED));
      channel.send(new WireFrame(9, 0, new byte[0])); // the stop still reaches the peer
      assertThat(s.spent()).isFalse();
    }
    assertThat(wire.sent).extracting(WireFrame::type).containsExactly(9);
    assertThat(TestAgreements.useCount(db, "a1")).isZero();
  }

  @Test
  void aSessionThatCannotArmItsDeadlineIsNotOpenedAndCostsNothing() {
    ScheduledExecutorService stopped = Executors.newSingleThreadScheduledExecutor();
    stopped.shutdown();
    ComputationRuntime runtime =
        new ComputationRuntime(
            new JdbcUseLedger(db, JdbcUseLedger.Counter.AGREEMENTS, Clock.systemUTC()),
            root,
            stopped,
            new ComputationRuntime.Limits(1 << 20, Duration.ofMinutes(1)));
    assertThatThrownBy(() -> runtime.open(key("s1"), 1))
        .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    assertThat(TestAgreements.useCount(db, "a1")).isZero();
    assertThat(runtime.open()).isZero();
    assertThat(root.getChildAllocators()).isEmpty();
  }

  @Test
  void theReleaseIsOnRecordBeforeItsOutput() {
    ComputationRuntime runtime = runtime(Duration.ofMinutes(1));
    List<String> order = new ArrayList<>();
    try (RuntimeSession s = runtime.open(key("s1"), 1)) {
      String out =
          s.release(
              new ReleaseStep<>() {
                @Override
                public void record() {
                  assertThat(s.spent()).isTrue();
                  order.add("record");
                }

                @Override
                public String output() {
                  order.add("output");
                  return "written";
                }
              });
      assertThat(out).isEqualTo("written");
    }
    assertThat(order).containsExactly("record", "output");
  }

  @Test
  void aStoppedSessionReleasesNothing() {
    ComputationRuntime runtime = runtime(Duration.ofMinutes(1));
    try (RuntimeSession s = runtime.open(key("s1"), 1)) {
      s.stop(new SluiceException(ErrorCode.NODE_STOPPING, "stopping"));
      assertThatThrownBy(
              () ->
                  s.release(
                      new ReleaseStep<Void>() {
                        @Override
                        public void record() {
                          throw new AssertionError("recorded after a stop");
                        }

                        @Override
                        public Void output() {
                          throw new AssertionError("output after a stop");
                        }
                      }))
          .isInstanceOfSatisfying(
              SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NODE_STOPPING));
    }
    assertThat(TestAgreements.useCount(db, "a1")).isZero();
  }

  @Test
  void theDeadlineStopsTheSessionAndEveryStopHookRunsOnce() throws Exception {
    ComputationRuntime runtime = runtime(Duration.ofMillis(100));
    CountDownLatch stopped = new CountDownLatch(1);
    List<SluiceException> seen = new ArrayList<>();
    try (RuntimeSession s = runtime.open(key("s1"), 1)) {
      s.onStop(
          why -> {
            synchronized (seen) {
              seen.add(why);
            }
            stopped.countDown();
          });
      assertThat(stopped.await(10, TimeUnit.SECONDS)).isTrue();
      s.stop(new SluiceException(ErrorCode.CANCELLED, "later"));
      assertThat(s.cause(new SluiceException(ErrorCode.INTERNAL, "seen")).code())
          .isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
      List<SluiceException> late = new ArrayList<>();
      s.onStop(late::add); // a hook added after the stop runs at once
      assertThat(late).hasSize(1);
    }
    assertThat(seen).hasSize(1);
  }

  @Test
  void oneSessionIdRunsOnceAtATimeAndARetryCountsNothingAgain() {
    ComputationRuntime runtime = runtime(Duration.ofMinutes(1));
    RuntimeSession s = runtime.open(key("s1"), 1);
    assertThatThrownBy(() -> runtime.open(key("s1"), 1))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_RUNNING));
    // A crash: the session never closes; the restarted node gives the reservation back at start.
    ComputationRuntime restarted = runtime(Duration.ofMinutes(1));
    assertThat(restarted.ledger().giveBackAll()).isEqualTo(1);
    assertThat(TestAgreements.useCount(db, "a1")).isZero();
    try (RuntimeSession retry = restarted.open(key("s1"), 1)) {
      assertThat(retry.reservation().repeated()).isFalse();
      assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);
      retry.spend();
    }
    s.allocator().close();
    assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);
  }

  @Test
  void twoConcurrentSessionsOnTheLastUseGetOneUse() throws Exception {
    ComputationRuntime runtime = runtime(Duration.ofMinutes(1));
    var pool = Executors.newFixedThreadPool(2);
    try {
      var a = pool.submit(() -> tryOpen(runtime, "s1"));
      var b = pool.submit(() -> tryOpen(runtime, "s2"));
      List<RuntimeSession> opened = new ArrayList<>();
      for (var f : List.of(a, b)) {
        RuntimeSession s = f.get();
        if (s != null) {
          opened.add(s);
        }
      }
      assertThat(opened).hasSize(1);
      assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);
      opened.get(0).spend();
      opened.get(0).close();
    } finally {
      pool.shutdownNow();
    }
    assertThat(TestAgreements.useCount(db, "a1")).isEqualTo(1);
  }

  private static RuntimeSession tryOpen(ComputationRuntime runtime, String session) {
    try {
      return runtime.open(key(session), 1);
    } catch (SluiceException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.USE_COUNT_EXHAUSTED);
      return null;
    }
  }

  @Test
  void kindsAreFoundByPolicyNameOnly() {
    ComputationKind k =
        new ComputationKind() {
          @Override
          public String policyName() {
            return "test";
          }

          @Override
          public FrameVocabulary frames() {
            return FRAMES;
          }
        };
    ComputationKinds<ComputationKind> kinds = ComputationKinds.of(List.of(k));
    assertThat(kinds.get("test")).isSameAs(k);
    assertThatThrownBy(() -> kinds.get("sql")).hasMessage("unknown computation kind (test)");
    assertThatThrownBy(() -> ComputationKinds.of(List.of(k, k)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void framesOffTheWireAreStrict() {
    byte[] ok = new WireFrame(1, 7, new byte[] {1, 2}).encode();
    assertThat(WireFrame.decode(ok, 64, FRAMES)).isEqualTo(new WireFrame(1, 7, new byte[] {1, 2}));
    byte[] unknown = ok.clone();
    unknown[1] = 2;
    byte[] longer = java.util.Arrays.copyOf(ok, ok.length + 1);
    byte[] negative = ok.clone();
    negative[2] = (byte) 0x80;
    for (byte[] bad : List.of(unknown, longer, negative, new byte[3])) {
      assertThatThrownBy(() -> WireFrame.decode(bad, 64, FRAMES))
          .isInstanceOfSatisfying(
              SluiceException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE));
    }
    assertThatThrownBy(() -> WireFrame.decode(ok, 10, FRAMES))
        .isInstanceOfSatisfying(
            SluiceException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED));
  }
}
