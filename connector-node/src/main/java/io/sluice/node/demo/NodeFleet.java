package io.sluice.node.demo;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The node processes of a {@link DemoSpace}, started together and stopped together. */
public final class NodeFleet implements AutoCloseable {
  private final Map<String, NodeProcess> processes;

  private NodeFleet(Map<String, NodeProcess> processes) {
    this.processes = processes;
  }

  /** Starts every node of the space in parallel; if one fails the others are stopped. */
  public static NodeFleet start(DemoSpace space, List<String> jvmOptions) {
    Map<String, CompletableFuture<NodeProcess>> starting = new LinkedHashMap<>();
    for (DemoSpace.Node node : space.nodes().values()) {
      starting.put(
          node.participant().id(),
          CompletableFuture.supplyAsync(
              () ->
                  NodeProcess.start(
                      node.participant().id(), node.config(), jvmOptions, Duration.ofSeconds(60))));
    }
    Map<String, NodeProcess> started = new LinkedHashMap<>();
    SluiceException failure = null;
    for (var e : starting.entrySet()) {
      try {
        started.put(e.getKey(), e.getValue().join());
      } catch (CompletionException ex) {
        failure =
            ex.getCause() instanceof SluiceException s
                ? s
                : new SluiceException(ErrorCode.UNAVAILABLE, "cannot start " + e.getKey(), ex);
      }
    }
    NodeFleet fleet = new NodeFleet(started);
    if (failure != null) {
      fleet.close();
      throw failure;
    }
    return fleet;
  }

  public NodeProcess process(String participant) {
    return processes.get(participant);
  }

  public Map<String, NodeProcess> processes() {
    return processes;
  }

  /** Stops every node with SIGTERM; returns the exit codes. */
  public Map<String, Integer> stop() {
    Map<String, Integer> codes = new LinkedHashMap<>();
    List<CompletableFuture<Void>> stopping = new ArrayList<>();
    for (var e : processes.entrySet()) {
      stopping.add(
          CompletableFuture.runAsync(
              () -> {
                int code = e.getValue().isAlive() ? e.getValue().stop() : -1;
                synchronized (codes) {
                  codes.put(e.getKey(), code);
                }
              }));
    }
    stopping.forEach(CompletableFuture::join);
    return codes;
  }

  @Override
  public void close() {
    for (NodeProcess p : processes.values()) {
      try {
        p.close();
      } catch (RuntimeException e) {
        p.kill();
      }
    }
  }
}
