package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.node.RepoFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every {@code sluice} command line in README.md — in code blocks, after {@code docker run IMAGE}
 * or {@code --entrypoint sluice SERVICE}, and in inline code starting {@code ./sluice} — parses
 * against this build's CLI: the subcommands exist, every option is known and the required ones are
 * there. The tour's commands also run for real ({@code ReadmeTourTest}); the container and
 * Kubernetes ones cannot run here, and this is what keeps them from drifting.
 */
class ReadmeCommandsTest {
  private static final Pattern CODE_BLOCK = Pattern.compile("(?s)```(?:bash|sh)\\n(.*?)```");

  /** Inline code that runs something starts with ./sluice; `sluice dataset add` is a mention. */
  private static final Pattern INLINE = Pattern.compile("`(\\./sluice [^`]+)`");

  private static final Set<String> SHELL_OPERATORS =
      Set.of("&", "&&", "||", "|", ">", ">>", "2>&1", ";");

  @Test
  void everySluiceCommandInTheReadmeParses() throws Exception {
    String readme = Files.readString(RepoFiles.root().resolve("README.md"), StandardCharsets.UTF_8);
    boolean inBlock = false;
    for (String line : readme.split("\n")) {
      if (line.startsWith("```")) {
        assertThat(inBlock || line.length() > 3)
            .as("every code block in README.md names its language (bash blocks are checked here)")
            .isTrue();
        inBlock = !inBlock;
      }
    }
    List<String> lines = new ArrayList<>();
    Matcher block = CODE_BLOCK.matcher(readme);
    while (block.find()) {
      lines.addAll(List.of(block.group(1).replace("\\\n", " ").split("\n")));
    }
    Matcher inline = INLINE.matcher(readme);
    while (inline.find()) {
      lines.add(inline.group(1));
    }

    List<List<String>> commands = new ArrayList<>();
    for (String line : lines) {
      List<String> args = sluiceArguments(line);
      if (args != null) {
        commands.add(args);
      }
    }
    assertThat(commands).as("sluice commands found in README.md").hasSizeGreaterThan(25);

    List<String> failures = new ArrayList<>();
    for (List<String> args : commands) {
      StringWriter sink = new StringWriter();
      CommandLine cli = SluiceCli.newCommandLine(new PrintWriter(sink), new PrintWriter(sink));
      try {
        CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
        CommandLine leaf = parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1);
        if (leaf.getSubcommands().size() > 0 && !parsed.isUsageHelpRequested()) {
          failures.add(String.join(" ", args) + ": names a command group, not a command");
        }
      } catch (CommandLine.ParameterException e) {
        failures.add(String.join(" ", args) + ": " + e.getMessage());
      }
    }
    assertThat(failures).as("README commands this CLI rejects").isEmpty();
  }

  @Test
  void theExtractorFindsTheArgumentsBehindDockerAndStopsAtShellOperators() {
    assertThat(sluiceArguments("./sluice node start --config f.yaml > f.log 2>&1 &"))
        .containsExactly("node", "start", "--config", "f.yaml");
    assertThat(
            sluiceArguments(
                "docker compose run --rm --entrypoint sluice authority-init authority revoke --dir d"))
        .containsExactly("authority", "revoke", "--dir", "d");
    assertThat(sluiceArguments("docker run sluice:dev node status --config c.yaml"))
        .containsExactly("node", "status", "--config", "c.yaml");
    assertThat(sluiceArguments("./sluice authority init --name \"Health Authority\" # a comment"))
        .containsExactly("authority", "init", "--name", "Health Authority");
    assertThat(sluiceArguments("docker build -f deploy/docker/Dockerfile -t sluice:dev ."))
        .isNull();
    assertThat(sluiceArguments("openssl verify -CAfile a.crt b.crt")).isNull();
  }

  /** The arguments given to sluice on this shell line, or null when it does not run sluice. */
  static List<String> sluiceArguments(String line) {
    List<String> tokens = shellWords(line);
    int start = -1;
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (t.equals("sluice") || t.equals("./sluice")) {
        start = i + 1;
        if (i > 0 && tokens.get(i - 1).equals("--entrypoint")) {
          start++; // the compose service comes next
        }
        break;
      }
      if (t.startsWith("sluice:") && i > 0 && tokens.get(i - 1).equals("run")) {
        start = i + 1; // docker run IMAGE ARGS...
        break;
      }
    }
    if (start < 0 || start >= tokens.size()) {
      return null;
    }
    List<String> args = new ArrayList<>();
    for (String t : tokens.subList(start, tokens.size())) {
      if (SHELL_OPERATORS.contains(t) || t.startsWith("#")) {
        break;
      }
      args.add(t);
    }
    return args;
  }

  /** Splits a line into words the way a POSIX shell would, for quotes and backslashes. */
  static List<String> shellWords(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        word = word == null ? new StringBuilder() : word;
      } else if (Character.isWhitespace(c)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else {
        if (c == '\\' && i + 1 < line.length()) {
          c = line.charAt(++i);
        }
        word = word == null ? new StringBuilder() : word;
        word.append(c);
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }
}
