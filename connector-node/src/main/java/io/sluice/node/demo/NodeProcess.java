package io.sluice.node.demo;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node running as its own JVM ({@code sluice node start}), started from the same classpath as
 * this process. Its stderr (the node's log) goes to {@code node.log} in its directory. Owned by
 * whoever starts it: {@link #close()} stops it with SIGTERM and waits.
 */
public final class NodeProcess implements AutoCloseable {
  private static final String READY = " listening on ";

  private final String participant;
  private final Path log;
  private final Process process;
  private final java.util.concurrent.BlockingQueue<String> output =
      new java.util.concurrent.ArrayBlockingQueue<>(256);

  private NodeProcess(String participant, Path log, Process process) {
    this.participant = participant;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts {@code sluice node start --config CONFIG} with the given JVM options (e.g. {@code
   * -Xmx1g}) and waits until the node listens.
   */
  public static NodeProcess start(
      String participant, Path config, List<String> jvmOptions, Duration timeout) {
    return start(participant, config, jvmOptions, java.util.Map.of(), timeout);
  }

  /** As {@link #start(String, Path, List, Duration)}, with extra environment variables. */
  public static NodeProcess start(
      String participant,
      Path config,
      List<String> jvmOptions,
      java.util.Map<String, String> environment,
      Duration timeout) {
    Path dir = config.toAbsolutePath().getParent();
    Path log = dir.resolve("node.log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(absoluteClassPath());
    command.add("io.sluice.node.cli.SluiceCli");
    command.add("node");
    command.add("start");
    command.add("--config");
    command.add(config.toAbsolutePath().toString());
    Process process;
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().putAll(environment);
      process = builder.start();
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.UNAVAILABLE, "cannot start node " + participant, e);
    }
    NodeProcess node = new NodeProcess(participant, log, process);
    node.awaitReady(timeout);
    return node;
  }

  private void awaitReady(Duration timeout) {
    CompletableFuture<Boolean> ready =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  if (line.contains(READY)) {
                    follow(out);
                    return true;
                  }
                }
              } catch (IOException e) {
                return false;
              }
              return false;
            });
    boolean ok;
    try {
      ok = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      ok = false;
    } catch (Exception e) {
      ok = false;
    }
    if (!ok) {
      process.destroyForcibly();
      throw new SluiceException(
          ErrorCode.UNAVAILABLE,
          "node " + participant + " did not start; see " + log + ":\n" + tail(log));
    }
  }

  /** Keeps the last lines the node prints after it is ready (crash tests wait for markers). */
  private void follow(BufferedReader out) {
    Thread t =
        new Thread(
            () -> {
              try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  if (!output.offer(line)) {
                    output.poll();
                    output.offer(line);
                  }
                }
              } catch (IOException ignored) {
                // process ended
              }
            },
            "node-stdout");
    t.setDaemon(true);
    t.start();
  }

  /** Waits until the node prints a line containing {@code text}; false on timeout. */
  public boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      String line =
          output.poll(Math.max(1, (end - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
      if (line != null && line.contains(text)) {
        return true;
      }
    }
    return false;
  }

  /** This JVM's class path with every entry made absolute (the node runs in its own directory). */
  public static String absoluteClassPath() {
    StringBuilder out = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      if (out.length() > 0) {
        out.append(java.io.File.pathSeparatorChar);
      }
      out.append(Path.of(entry).toAbsolutePath());
    }
    return out.toString();
  }

  static String tail(Path log) {
    try {
      List<String> lines = java.nio.file.Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  public String participant() {
    return participant;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, for crash tests. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM, then waits for a clean exit; returns the exit code. */
  public int stop() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        throw new SluiceException(
            ErrorCode.UNAVAILABLE, "node " + participant + " did not stop within 30 s");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      stop();
    }
  }
}
