package io.sluice.audit.trace;

import static io.sluice.audit.trace.TraceScenario.FUND;
import static io.sluice.audit.trace.TraceScenario.INSURER;
import static io.sluice.audit.trace.TraceScenario.REGISTRY;

import io.sluice.audit.AuditEvent;
import io.sluice.audit.EventType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Writes example reports of a realistic trace (a main, not a test): a fund and an insurer negotiate
 * an agreement, run a labelled PSI with 20 frames each way and release the result.
 *
 * <pre>
 * java -cp connector-core/target/classes:connector-core/target/test-classes:$(cat cp.txt) \
 *   io.sluice.audit.trace.TraceExample [directory]
 * </pre>
 *
 * writes {@code trace-example.html} (every entry paired) and {@code
 * trace-example-discrepancies.html} (the same trace with a frame received with another digest, a
 * frame never received, a row count that differs and a third participant that was not queried),
 * each with its {@code .txt}, {@code .json} and {@code .dot}, to the directory (default {@code
 * target}).
 */
public final class TraceExample {
  private static final String TRACE = "trc-7f3a9c21-psi";
  private static final String QUERY = "psi-5e1d/receiver-to-sender";
  private static final String ANSWER = "psi-5e1d/sender-to-receiver";

  private TraceExample() {}

  public static void main(String[] args) throws IOException {
    Path directory = Path.of(args.length > 0 ? args[0] : "target");
    Files.createDirectories(directory);
    write(directory, "trace-example", scenario(false).analyze());
    write(directory, "trace-example-discrepancies", scenario(true).analyze(FUND, INSURER));
  }

  private static void write(Path directory, String name, TraceReport report) throws IOException {
    for (TraceRenderer.Format format : TraceRenderer.Format.values()) {
      Path file = directory.resolve(name + "." + format.extension());
      Files.writeString(file, TraceRenderer.render(report, format), StandardCharsets.UTF_8);
      System.out.println(file.toAbsolutePath());
    }
  }

  static TraceScenario scenario(boolean tampered) {
    TraceScenario s = new TraceScenario(TRACE, "agr-2025-0042-fund-insurer");
    TraceScenario.Log fund = s.node(FUND);
    TraceScenario.Log insurer = s.node(INSURER);

    // Contract negotiation (the fund asks for the insurer's labelled-PSI offer).
    s.message(fund, insurer, "neg-41c2/1", "request");
    s.tick(Duration.ofMillis(140));
    s.message(insurer, fund, "neg-41c2/2", "agreement");
    s.tick(Duration.ofMillis(60));
    s.message(fund, insurer, "neg-41c2/3", "verification");
    s.tick(Duration.ofMillis(35));
    s.message(insurer, fund, "neg-41c2/4", "event");
    byte[] agreement = sha256("agreement agr-2025-0042-fund-insurer");
    insurer.local(
        EventType.AGREEMENT_SIGNED, b -> b.digest(agreement).detail("policy", "psi-label-v2"));
    fund.local(
        EventType.AGREEMENT_SIGNED, b -> b.digest(agreement).detail("policy", "psi-label-v2"));
    s.tick(Duration.ofMillis(900));

    // The computation: the fund (PSI receiver) streams its blinded keys, the insurer answers each
    // frame with the doubly blinded keys and its encrypted labels.
    fund.local(
        EventType.COMPUTATION_REQUESTED,
        b ->
            b.detail("mode", "psi-label")
                .detail("dataset", "members-2025q1")
                .detail("inputRows", 48_000));
    insurer.local(
        EventType.COMPUTATION_STARTED, b -> b.detail("mode", "psi-label").detail("role", "sender"));
    fund.local(
        EventType.COMPUTATION_STARTED,
        b -> b.detail("mode", "psi-label").detail("role", "receiver"));
    for (int i = 0; i < 20; i++) {
      long queryRows = i < 19 ? 2_500 : 500;
      long queryBytes = queryRows * 33 + 184;
      long answerRows = queryRows;
      long answerBytes = answerRows * 81 + 248;
      fund.frame(EventType.FRAME_SENT, INSURER, QUERY, i, queryRows, queryBytes);
      if (tampered && i == 7) {
        byte[] other = TraceScenario.digest(QUERY, i);
        other[5] ^= 0x10;
        insurer.frame(EventType.FRAME_RECEIVED, FUND, QUERY, i, queryRows, queryBytes, other);
      } else {
        insurer.frame(EventType.FRAME_RECEIVED, FUND, QUERY, i, queryRows, queryBytes);
      }
      s.tick(Duration.ofMillis(11));
      insurer.frame(EventType.FRAME_SENT, FUND, ANSWER, i, answerRows, answerBytes);
      if (!(tampered && i == 13)) {
        long rows = tampered && i >= 16 && i <= 18 ? answerRows - 1 : answerRows;
        fund.frame(EventType.FRAME_RECEIVED, INSURER, ANSWER, i, rows, answerBytes);
      }
      s.tick(Duration.ofMillis(19));
    }
    insurer.local(
        EventType.COMPUTATION_FINISHED, b -> b.detail("framesSent", 20).detail("rows", 48_000));
    fund.local(EventType.COMPUTATION_FINISHED, b -> b.detail("matched", 1_873));
    if (tampered) {
      fund.message(EventType.NEGOTIATION_SENT, REGISTRY, "notify-9e01", "event");
    }
    fund.local(
        EventType.RESULT_RELEASED,
        b ->
            b.detail("rows", 1_873).detail("rule", "minimum-group-size").detail("sink", "parquet"));
    return s;
  }

  private static byte[] sha256(String text) {
    return AuditEvent.sha256(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
  }
}
