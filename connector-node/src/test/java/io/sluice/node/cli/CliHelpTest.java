package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

class CliHelpTest {
  @TestFactory
  List<DynamicTest> everyCommandHasHelp() {
    List<DynamicTest> tests = new ArrayList<>();
    collect(
        SluiceCli.newCommandLine(
            new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())),
        new ArrayList<>(),
        tests);
    assertThat(tests.size()).isGreaterThan(8);
    return tests;
  }

  private static void collect(CommandLine command, List<String> path, List<DynamicTest> tests) {
    List<String> args = new ArrayList<>(path);
    args.add("--help");
    tests.add(
        DynamicTest.dynamicTest(
            "sluice " + String.join(" ", args),
            () -> {
              // picocli reports a description it cannot format (an unescaped %) on System.err.
              java.io.ByteArrayOutputStream stray = new java.io.ByteArrayOutputStream();
              java.io.PrintStream err = System.err;
              Cli result;
              System.setErr(new java.io.PrintStream(stray, true, "UTF-8"));
              try {
                result = Cli.run(args.toArray(String[]::new));
              } finally {
                System.setErr(err);
              }
              assertThat(result.exitCode()).isZero();
              assertThat(result.out()).startsWith("Usage: sluice").doesNotContain("WARN");
              assertThat(result.err()).isEmpty();
              assertThat(stray.toString("UTF-8")).as("warnings while rendering help").isEmpty();
            }));
    command
        .getSubcommands()
        .forEach(
            (name, sub) -> {
              if (!name.equals("help")) {
                List<String> next = new ArrayList<>(path);
                next.add(name);
                collect(sub, next, tests);
              }
            });
  }

  @Test
  void bareSluiceIsAUsageErrorWithTheUsageOnStderr() {
    Cli result = Cli.run();
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("Missing command").contains("Usage: sluice");
    assertThat(result.out()).isEmpty();
    Cli help = Cli.run("help");
    assertThat(help.out() + help.err()).contains("Usage: sluice");
  }

  @Test
  void unknownCommandIsAUsageErrorOnStderr() {
    Cli result = Cli.run("frobnicate");
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("Unmatched argument");
    assertThat(result.out()).isEmpty();
  }
}
