package io.sluice.node.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.node.RepoFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's tour as written: the {@code bash} blocks between the tour markers, in order, in
 * one shell, with {@code ./sluice} being this build's CLI (a small script running the test class
 * path, since the shaded jar does not exist yet when tests run) and the two ports swapped for free
 * ones. Then checks what the tour promises: an agreement, a released labelled PSI whose row count
 * is the number of settled visits {@code demo data} reported, the wider request refused with exit
 * code 3, both audit logs verifying, the trace VERIFIED and the fund held to its signed heads.
 */
class ReadmeTourTest {
  private static final Pattern BASH_BLOCK = Pattern.compile("(?s)```bash\\n(.*?)```");

  @TempDir Path dir;

  @Test
  void theReadmeTourRunsAsWritten() throws Exception {
    Path repo = RepoFiles.root();
    String readme = Files.readString(repo.resolve("README.md"), StandardCharsets.UTF_8);
    int begin = readme.indexOf("<!-- tour:begin -->");
    int end = readme.indexOf("<!-- tour:end -->");
    assertThat(begin).as("tour markers in README.md").isPositive().isLessThan(end);
    List<String> blocks = new ArrayList<>();
    Matcher m = BASH_BLOCK.matcher(readme.substring(begin, end));
    while (m.find()) {
      blocks.add(m.group(1));
    }
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(6);

    int fundPort = freePort();
    int insurerPort = freePort();
    String tour =
        String.join("\n", blocks)
            .replace("127.0.0.1:7443", "127.0.0.1:" + fundPort)
            .replace("127.0.0.1:7444", "127.0.0.1:" + insurerPort);

    StringBuilder script = new StringBuilder();
    script.append("set -euo pipefail\n");
    script.append("trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n");
    if (!onPath("openssl")) {
      System.out.println(
          "ReadmeTourTest: openssl is not installed; its line of the tour is skipped");
      script.append("openssl() { echo 'openssl not installed: skipped' >&2; }\n");
    }
    script.append(tour);

    Path shim = dir.resolve("sluice");
    Files.writeString(
        shim,
        "#!/usr/bin/env bash\n"
            + "exec \"$SLUICE_TEST_JAVA\" --add-opens=java.base/java.nio=ALL-UNNAMED"
            + " -cp \"$SLUICE_TEST_CP\" io.sluice.node.cli.SluiceCli \"$@\"\n");
    Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(dir.resolve("deploy"), repo.resolve("deploy"));
    Path scriptFile = dir.resolve("tour.sh");
    Files.writeString(scriptFile, script.toString());

    Path output = dir.resolve("tour.out");
    ProcessBuilder builder =
        new ProcessBuilder("bash", scriptFile.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    builder.environment().remove("SLUICE_PASSPHRASE");
    builder
        .environment()
        .put(
            "SLUICE_TEST_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    builder.environment().put("SLUICE_TEST_CP", NodeProcess.absoluteClassPath());
    Process tourProcess = builder.start();
    boolean finished = tourProcess.waitFor(8, TimeUnit.MINUTES);
    if (!finished) {
      tourProcess.descendants().forEach(ProcessHandle::destroyForcibly);
      tourProcess.destroyForcibly();
    }
    String out = Files.readString(output, StandardCharsets.UTF_8);
    assertThat(finished).as("the tour finished within 8 minutes:\n" + out).isTrue();
    assertThat(tourProcess.exitValue()).as("the tour's exit code; its output:\n" + out).isZero();

    Matcher settled = Pattern.compile("([\\d,]+) of them settled visits").matcher(out);
    assertThat(settled.find()).as(out).isTrue();
    int settledVisits = Integer.parseInt(settled.group(1).replace(",", ""));

    List<String> matched = Files.readAllLines(dir.resolve("matched.csv"), StandardCharsets.UTF_8);
    List<String> header = List.of(matched.get(0).split(","));
    assertThat(header)
        .contains("claim_id", "national_id", "visit_date", "settled_amount", "settlement_date")
        .doesNotContain("diagnosis_group", "hospital_id");
    assertThat(matched).hasSize(settledVisits + 1);

    assertThat(out)
        .as(out)
        .contains("FINALIZED")
        .contains("refused with exit code 3")
        .contains("sluice:outputColumns")
        .contains("audit log of fund verifies")
        .contains("audit log of insurer-a verifies")
        .contains("VERIFIED")
        .contains("fund: CONSISTENT: fund's signed head of size");
    assertThat(dir.resolve("wider.csv")).doesNotExist();
    // The wider request stopped at the insurer's node: the fund heard of one computation only.
    assertThat(eventCount(dir.resolve("insurer/data/node.db"), "POLICY_DENIED")).isEqualTo(1);
    assertThat(eventCount(dir.resolve("insurer/data/node.db"), "COMPUTATION_REQUESTED"))
        .isEqualTo(2);
    assertThat(eventCount(dir.resolve("fund/data/node.db"), "COMPUTATION_REQUESTED")).isEqualTo(1);
    assertThat(Files.readString(dir.resolve("trace.html"))).contains("VERIFIED");
    // The insurer's node holds the fund to a head of its log, on record in its own.
    assertThat(eventCount(dir.resolve("insurer/data/node.db"), "PEER_HEAD_RECEIVED")).isPositive();
    assertThat(eventCount(dir.resolve("insurer/data/node.db"), "PEER_LOG_INCONSISTENT")).isZero();
  }

  private static int eventCount(Path db, String type) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement s =
            c.prepareStatement("SELECT count(*) FROM audit_entries WHERE event_type = ?")) {
      s.setString(1, type);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getInt(1);
      }
    }
  }

  private static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
