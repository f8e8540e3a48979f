package io.sluice.node;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.sluice.audit.AuditLog;
import io.sluice.audit.AuditLogConfig;
import io.sluice.audit.CollaborationAudit;
import io.sluice.audit.HeadIssuer;
import io.sluice.audit.HeadWitness;
import io.sluice.audit.NegotiationAudit;
import io.sluice.audit.PeerHeadStore;
import io.sluice.audit.TreeHeadSigner;
import io.sluice.catalog.Catalog;
import io.sluice.collaboration.CollaborationFile;
import io.sluice.collaboration.CollaborationJudge;
import io.sluice.collaboration.CollaborationManager;
import io.sluice.collaboration.JdbcCollaborationStore;
import io.sluice.compute.ComputeGuard;
import io.sluice.compute.DutyLedger;
import io.sluice.compute.SenderTables;
import io.sluice.compute.runtime.ComputationRuntime;
import io.sluice.compute.runtime.JdbcUseLedger;
import io.sluice.compute.runtime.UseLedger;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.CertificateHistory;
import io.sluice.identity.PeerIdentity;
import io.sluice.negotiation.JdbcNegotiationStore;
import io.sluice.negotiation.NegotiationManager;
import io.sluice.negotiation.NegotiationStore;
import io.sluice.negotiation.OdrlPolicyJudge;
import io.sluice.node.audit.AuditGrpcService;
import io.sluice.node.audit.PeerHeadChecks;
import io.sluice.node.cli.SluiceCli;
import io.sluice.node.compute.ComputeContext;
import io.sluice.node.compute.ComputeServices;
import io.sluice.node.compute.ComputeSessions;
import io.sluice.node.compute.ConsumerResults;
import io.sluice.node.compute.HeadExchange;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.grpc.AuthenticatingInterceptor;
import io.sluice.node.grpc.CatalogGrpcService;
import io.sluice.node.grpc.CatalogOfferResolver;
import io.sluice.node.grpc.CollaborationControlService;
import io.sluice.node.grpc.CollaborationGrpcService;
import io.sluice.node.grpc.ContractGrpcService;
import io.sluice.node.grpc.ErrorMappingInterceptor;
import io.sluice.node.grpc.GrpcCollaborationTransport;
import io.sluice.node.grpc.GrpcNegotiationTransport;
import io.sluice.node.grpc.NegotiationGrpcService;
import io.sluice.node.grpc.NodeHealth;
import io.sluice.node.grpc.NodeInfoService;
import io.sluice.node.grpc.PeerChannels;
import io.sluice.node.grpc.TlsContexts;
import io.sluice.node.grpc.TraceIds;
import io.sluice.node.results.ResultGrpcService;
import io.sluice.results.JdbcResultStore;
import io.sluice.results.ReleaseJournal;
import io.sluice.results.ResultRetention;
import io.sluice.store.Database;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Sluice node: the assembly of its identity, trust, store, catalog, negotiation and
 * services, built through constructors in this one place so the whole graph reads top to bottom.
 * Everything it opens is closed by {@link #close()} in reverse order.
 */
public final class SluiceNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SluiceNode.class);

  /**
   * How often the node looks for negotiation messages that are due (each has its own back-off, see
   * {@code negotiation.*} in node.yaml) and for provider negotiations that waited too long.
   */
  static final long RETRY_TICK_MILLIS = 250;

  /** How long a stopping node waits for its stopped computations to record their end. */
  static final Duration SESSION_DRAIN = Duration.ofSeconds(10);

  private final NodeConfig config;
  private final NodeIdentity identity;
  private final PeerChannels peers;
  private final NodeHealth health;
  private final Server server;
  private final NegotiationManager negotiations;
  private final NegotiationStore negotiationStore;
  private final AuditLog audit;
  private final ResultRetention results;
  private final BufferAllocator allocator;
  private final ComputeSessions sessions;
  private final Deque<AutoCloseable> resources;

  private SluiceNode(
      NodeConfig config,
      NodeIdentity identity,
      PeerChannels peers,
      NodeHealth health,
      Server server,
      NegotiationManager negotiations,
      NegotiationStore negotiationStore,
      AuditLog audit,
      ResultRetention results,
      BufferAllocator allocator,
      ComputeSessions sessions,
      Deque<AutoCloseable> resources) {
    this.config = config;
    this.identity = identity;
    this.peers = peers;
    this.health = health;
    this.server = server;
    this.negotiations = negotiations;
    this.negotiationStore = negotiationStore;
    this.audit = audit;
    this.results = results;
    this.allocator = allocator;
    this.sessions = sessions;
    this.resources = resources;
  }

  /** Loads everything the configuration names and starts serving; fails with a config error. */
  public static SluiceNode start(NodeConfig config, Map<String, String> env, Clock clock) {
    // Before anything else touches the data directory: one node process per directory.
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    resources.push(DataDirLock.acquire(config));
    try {
      NodeIdentity identity = NodeIdentity.load(config, env, clock);
      return assemble(config, identity, clock, resources);
    } catch (RuntimeException e) {
      closeAll(resources);
      throw e;
    }
  }

  private static SluiceNode assemble(
      NodeConfig config, NodeIdentity identity, Clock clock, Deque<AutoCloseable> resources) {
    NodeConfig.Limits limits = config.limits();
    String self = identity.credentials().identity().participant();

    Database database;
    try {
      database = Database.open(config.store());
    } catch (SluiceException e) {
      throw config.error("store", "cannot open the store: " + e.getMessage());
    }
    resources.push(database);
    CertificateHistory certificates = new CertificateHistory(database);
    AuditLog audit;
    try {
      audit =
          AuditLog.open(
              database,
              TreeHeadSigner.of(identity.credentials()),
              AuditLogConfig.defaults()
                  .withSignEveryEntries(config.audit().signEveryEntries())
                  .withSignInterval(Duration.ofSeconds(config.audit().signIntervalSeconds()))
                  .withPreviousSigners(previousCertificates(certificates, identity)),
              clock);
    } catch (SluiceException e) {
      throw config.error("store", "the audit log cannot be opened: " + e.getMessage());
    }
    resources.push(audit);
    certificates.record(identity.credentials().certificate(), clock.instant());
    NodeEvents events = new NodeEvents(audit, self, clock);
    events.started(config, identity.credentials());
    resources.push(events::stopped);
    // Every computation's Arrow memory comes from this one allocator, capped by configuration.
    BufferAllocator allocator = new RootAllocator(limits.memoryBytes());
    resources.push(allocator);
    PeerChannels peers =
        new PeerChannels(
            identity.credentials(),
            identity.trust(),
            addresses(config),
            limits.maxMessageBytes(),
            events);
    resources.push(peers);

    Catalog catalog =
        new Catalog(allocator, (offer, claims) -> OdrlPolicyJudge.visibleTo(offer, claims, clock));
    DatasetRegistry registry = new DatasetRegistry(config, catalog);
    registry.refresh();

    NegotiationStore negotiationStore = new JdbcNegotiationStore(database);
    NegotiationManager negotiations =
        new NegotiationManager(
            identity.credentials(),
            identity.trust(),
            negotiationStore,
            new GrpcNegotiationTransport(peers, limits.rpcDeadlineMillis()),
            new OdrlPolicyJudge(),
            catalog,
            new NegotiationAudit(audit, self, clock),
            clock,
            config.negotiation().retryPolicy(),
            new java.util.Random());

    // Collaborations: the same retry policy and retry loop as negotiations (see
    // docs/collaborations.md).
    JdbcCollaborationStore collaborationStore = new JdbcCollaborationStore(database);
    CollaborationManager collaborations =
        new CollaborationManager(
            identity.credentials(),
            identity.trust(),
            collaborationStore,
            new GrpcCollaborationTransport(peers, limits.rpcDeadlineMillis()),
            new CollaborationJudge(catalog),
            new CollaborationAudit(audit, self, clock),
            clock,
            config.negotiation().retryPolicy(),
            new java.util.Random());
    CatalogOfferResolver offerResolver =
        new CatalogOfferResolver(peers, limits.rpcDeadlineMillis());
    CollaborationFile.TermsResolver collaborationTerms =
        (member, dataset, offer) ->
            member.equals(self)
                ? catalog
                    .offer(dataset, offer)
                    .orElseThrow(
                        () ->
                            new SluiceException(
                                io.sluice.error.ErrorCode.INVALID_COLLABORATION,
                                "this node publishes no offer '"
                                    + offer
                                    + "' of '"
                                    + dataset
                                    + "'"))
                : offerResolver
                    .resolve(member, dataset, offer, java.util.UUID.randomUUID().toString())[1];

    JdbcResultStore resultStore = new JdbcResultStore(database);
    ResultRetention results =
        new ResultRetention(
            resultStore, audit, self, clock, Duration.ofSeconds(config.results().graceSeconds()));
    // A release a crash interrupted is settled, recorded and reported before the node serves.
    ReleaseJournal releases = new ReleaseJournal(database, resultStore, audit, self, clock);
    releases.recover();
    sweepResults(results, events, config.results(), resources);

    int cores = Runtime.getRuntime().availableProcessors();
    ExecutorService workers =
        Executors.newFixedThreadPool(cores, daemonThreads("sluice-psi-worker"));
    resources.push(workers::shutdownNow);
    ScheduledExecutorService timers =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("sluice-session-watchdog"));
    resources.push(timers::shutdownNow);
    // At most maxSessions computations at once: a session beyond that is refused at once with
    // RESOURCE_EXHAUSTED instead of queueing or taking another thread. Closed after the server
    // (so no new call starts one) and before the pools they use and the audit log: closing stops
    // every session and waits for each to record its end.
    ComputeSessions sessions =
        new ComputeSessions(
            limits.maxSessions(), daemonThreads("sluice-psi-session"), SESSION_DRAIN);
    resources.push(sessions);
    // Holding peers to their audit-log heads, and handing ours out only as the schedule signs them.
    PeerHeadStore peerHeads = new PeerHeadStore(database);
    HeadIssuer issuer = new HeadIssuer(peerHeads, audit, clock);
    HeadWitness witness = new HeadWitness(peerHeads, audit, identity.trust(), self, clock);
    // The uses of agreements, once per session; what a crash left reserved (nothing of those
    // sessions left this node: a use is spent before the first frame goes out) comes back now.
    UseLedger uses = new JdbcUseLedger(database, JdbcUseLedger.Counter.AGREEMENTS, clock);
    int returned = uses.giveBackAll();
    if (returned > 0) {
      log.info("gave back {} agreement uses that unfinished sessions had reserved", returned);
    }
    ComputationRuntime runtime =
        new ComputationRuntime(
            uses,
            allocator,
            timers,
            new ComputationRuntime.Limits(
                Math.min(1L << 30, limits.memoryBytes()), Duration.ofHours(6)));
    ComputeContext compute =
        new ComputeContext(
            identity.credentials().identity(),
            negotiationStore,
            new ComputeGuard(negotiationStore, uses, identity.trust(), clock),
            catalog,
            audit,
            clock,
            allocator,
            workers,
            sessions,
            peers,
            new SenderTables(4),
            new DutyLedger(database),
            timers,
            new HeadExchange(issuer, witness, identity.credentials().certificate()),
            runtime,
            new ComputeContext.Limits(
                Duration.ofHours(24),
                limits.maxMessageBytes() - 64 * 1024,
                Duration.ofMillis(limits.startTimeoutMillis())));

    ComputeServices computations =
        new ComputeServices(compute, new ConsumerResults(results, releases));

    NodeHealth health = new NodeHealth();
    AuthenticatingInterceptor authentication =
        new AuthenticatingInterceptor(identity.trust(), events);
    ErrorMappingInterceptor errors = new ErrorMappingInterceptor();
    ServerInterceptor traces = TraceIds.serverInterceptor();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(config.listen().host(), config.listen().port()))
            .sslContext(
                TlsContexts.server(
                    identity.credentials(),
                    identity.trust().trustManager(null, events.of(AuthorityTrust.PeerRole.CLIENT))))
            .maxInboundMessageSize(limits.maxMessageBytes())
            .maxInboundMetadataSize(16 * 1024)
            // A peer holds at most this many calls per connection (each can queue a few frames).
            .maxConcurrentCallsPerConnection(64)
            .handshakeTimeout(limits.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .addService(
                secured(
                    new NodeInfoService(
                        identity.credentials().identity(), SluiceCli.versionString()),
                    errors,
                    authentication,
                    traces))
            .addService(
                secured(
                    new CatalogGrpcService(self, registry, catalog),
                    errors,
                    authentication,
                    traces))
            .addService(
                secured(new NegotiationGrpcService(negotiations), errors, authentication, traces))
            .addService(
                secured(
                    new ContractGrpcService(
                        self,
                        negotiations,
                        negotiationStore,
                        identity.trust(),
                        new CatalogOfferResolver(peers, limits.rpcDeadlineMillis())),
                    errors,
                    authentication,
                    traces))
            .addService(
                secured(
                    new CollaborationGrpcService(collaborations), errors, authentication, traces))
            .addService(
                secured(
                    new CollaborationControlService(
                        self,
                        collaborations,
                        collaborationStore,
                        identity.trust(),
                        collaborationTerms,
                        clock),
                    errors,
                    authentication,
                    traces))
            .addService(secured(computations.responder(), errors, authentication, traces))
            .addService(
                secured(
                    new AuditGrpcService(
                        self,
                        audit,
                        identity.credentials().certificate(),
                        issuer,
                        new PeerHeadChecks(witness, peers, limits.rpcDeadlineMillis())),
                    errors,
                    authentication,
                    traces))
            .addService(secured(computations.initiator(), errors, authentication, traces))
            .addService(
                secured(new ResultGrpcService(self, results), errors, authentication, traces))
            .addService(ServerInterceptors.intercept(health.service(), authentication))
            .addService(
                ServerInterceptors.intercept(
                    ProtoReflectionServiceV1.newInstance(), authentication));
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      if (e instanceof BindException || e.getCause() instanceof BindException) {
        throw config.error("listen", "address " + config.listen() + " is already in use");
      }
      throw config.error("listen", "cannot listen on " + config.listen() + ": " + e.getMessage());
    }
    resources.push(() -> stopServing(server, config.limits().shutdownGraceMillis(), sessions));

    // Resume negotiations a crash interrupted, then keep retrying undelivered messages.
    ScheduledExecutorService retries =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sluice-negotiation-retry");
              t.setDaemon(true);
              return t;
            });
    // While the CRL is expired every peer is refused: retrying would only use up the attempts.
    retries.scheduleWithFixedDelay(
        () -> {
          if (!identity.trust().crlStatus().usable()) {
            return; // no trust decision is possible: retry once a fresh CRL is in place
          }
          try {
            negotiations.retryPending();
          } catch (RuntimeException e) {
            // a failing round (say, the store is briefly unreachable) must not end the schedule
            log.warn("negotiation retries failed this round: {}", e.getMessage());
          }
          try {
            collaborations.retryPending();
          } catch (RuntimeException e) {
            log.warn("collaboration retries failed this round: {}", e.getMessage());
          }
        },
        0,
        RETRY_TICK_MILLIS,
        TimeUnit.MILLISECONDS);
    resources.push(
        () -> {
          retries.shutdownNow();
          retries.awaitTermination(10, TimeUnit.SECONDS);
        });

    if (config.healthListen() != null) {
      // Probes of an orchestrator cannot do mTLS: a separate plaintext port serves health only.
      Server probes =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress(config.healthListen().host(), config.healthListen().port()))
              .addService(health.service())
              .maxInboundMessageSize(4096)
              .build();
      try {
        probes.start();
      } catch (IOException e) {
        throw config.error(
            "health.listen", "cannot listen on " + config.healthListen() + ": " + e.getMessage());
      }
      resources.push(() -> stopServer(probes, 1000));
    }
    watchTrust(
        new TrustWatch(
            identity.trust(),
            identity.credentials().certificate(),
            health,
            authentication,
            peers,
            events),
        resources);
    resources.push(health::stop);
    log.info(
        "node {} of data space {} listening on {}:{}",
        config.participant(),
        config.space(),
        config.listen().host(),
        server.getPort());
    return new SluiceNode(
        config,
        identity,
        peers,
        health,
        server,
        negotiations,
        negotiationStore,
        audit,
        results,
        allocator,
        sessions,
        resources);
  }

  /**
   * Deletes the results whose deadline passed while the node was down, before it serves, then
   * sweeps every interval on a thread the node owns. A failing sweep is logged and audited; it
   * never stops the node or the schedule.
   */
  private static void sweepResults(
      ResultRetention results,
      NodeEvents events,
      NodeConfig.Results config,
      Deque<AutoCloseable> resources) {
    ResultSweeper sweeper = new ResultSweeper(results, events);
    sweeper.run();
    ScheduledExecutorService sweeps =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("sluice-result-sweep"));
    long interval = config.sweepIntervalSeconds();
    sweeps.scheduleWithFixedDelay(sweeper, interval, interval, TimeUnit.SECONDS);
    resources.push(
        () -> {
          sweeps.shutdown(); // let a running sweep finish its deletion and audit entry
          if (!sweeps.awaitTermination(10, TimeUnit.SECONDS)) {
            sweeps.shutdownNow();
          }
        });
  }

  /**
   * Judges trust once before the node reports its health (SERVING only with a usable CRL), then
   * every {@link TrustWatch#INTERVAL} on a thread the node owns.
   */
  private static void watchTrust(TrustWatch watch, Deque<AutoCloseable> resources) {
    watch.run();
    ScheduledExecutorService watcher =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("sluice-trust-watch"));
    long interval = TrustWatch.INTERVAL.toMillis();
    watcher.scheduleWithFixedDelay(watch, interval, interval, TimeUnit.MILLISECONDS);
    resources.push(watcher::shutdownNow);
  }

  /**
   * The certificates this node ran with before, as its store recorded them: the audit log's earlier
   * heads verify against them. Only those the authority issued to this participant count.
   */
  private static List<X509Certificate> previousCertificates(
      CertificateHistory history, NodeIdentity identity) {
    String self = identity.credentials().identity().participant();
    X509Certificate current = identity.credentials().certificate();
    return history.all().stream()
        .filter(c -> !c.equals(current) && identity.trust().issuedTo(c, self))
        .toList();
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Binds a service with error mapping, authentication and trace ids (outermost last). */
  private static ServerServiceDefinition secured(
      BindableService service,
      ErrorMappingInterceptor errors,
      AuthenticatingInterceptor authentication,
      ServerInterceptor traces) {
    return ServerInterceptors.intercept(service, errors, traces, authentication);
  }

  static Map<String, PeerChannels.Address> addresses(NodeConfig config) {
    Map<String, PeerChannels.Address> addresses = new LinkedHashMap<>();
    config
        .peers()
        .forEach((id, hp) -> addresses.put(id, new PeerChannels.Address(hp.host(), hp.port())));
    return addresses;
  }

  public int port() {
    return server.getPort();
  }

  public PeerIdentity identity() {
    return identity.credentials().identity();
  }

  public NodeConfig config() {
    return config;
  }

  public PeerChannels peers() {
    return peers;
  }

  public NegotiationManager negotiations() {
    return negotiations;
  }

  public NegotiationStore negotiationStore() {
    return negotiationStore;
  }

  public AuditLog audit() {
    return audit;
  }

  /** The node's result files and their delete duties. */
  public ResultRetention results() {
    return results;
  }

  /** Arrow memory the node's computations hold right now (0 when none runs). */
  public long allocatedMemory() {
    return allocator.getAllocatedMemory();
  }

  /** Computations running on this node now, on either side. */
  public int runningComputations() {
    return sessions.running();
  }

  /** Blocks until the server stops. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Stops accepting calls, lets in-flight calls finish up to the configured grace period, then
   * cancels what is left and closes everything else in reverse order of opening.
   */
  @Override
  public synchronized void close() {
    if (resources.isEmpty()) {
      return;
    }
    closeAll(resources);
    log.info("node {} stopped", config.participant());
  }

  /**
   * Stops taking calls and lets those in flight finish within the grace period; then stops the
   * computations still running — each tells its peer and records its end — before it cancels the
   * calls that are left.
   */
  private static void stopServing(Server server, long graceMillis, ComputeSessions sessions)
      throws InterruptedException {
    server.shutdown();
    if (server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
      return;
    }
    sessions.stopAll();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      log.warn("calls still running after the grace period; cancelling them");
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void stopServer(Server server, long graceMillis) throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
      log.warn("calls still running after the grace period; cancelling them");
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      AutoCloseable r = resources.pop();
      try {
        r.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.warn("error while closing {}: {}", r, e.toString());
      }
    }
  }
}
