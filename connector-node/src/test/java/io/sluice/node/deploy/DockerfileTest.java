package io.sluice.node.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/docker/Dockerfile read as instructions (no image is built here): the entrypoint is the
 * repository's launcher, the runtime is non-root with a health check, the jlink module list covers
 * what jdeps found, and the ports agree with compose and the chart.
 */
class DockerfileTest {
  static final Set<String> RUNTIME_ONLY_MODULES =
      Set.of("jdk.crypto.ec", "jdk.unsupported", "java.naming", "jdk.zipfs");

  record Instruction(int stage, String keyword, String arguments) {}

  static List<Instruction> instructions;
  static int finalStage;
  static String launcher;

  @BeforeAll
  static void parse() {
    instructions = parse(DeployFiles.read(DeployFiles.deploy("docker/Dockerfile")));
    finalStage = instructions.get(instructions.size() - 1).stage();
    launcher = DeployFiles.read(DeployFiles.root().resolve("sluice"));
  }

  /** Instructions with continuation lines joined and comments dropped; stage -1 before FROM. */
  static List<Instruction> parse(String dockerfile) {
    List<Instruction> out = new ArrayList<>();
    int stage = -1;
    StringBuilder current = new StringBuilder();
    for (String line : dockerfile.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      current.append(trimmed);
      String text = current.toString().strip();
      current.setLength(0);
      int space = text.indexOf(' ');
      String keyword = text.substring(0, space).toUpperCase(java.util.Locale.ROOT);
      if (keyword.equals("FROM")) {
        stage++;
      }
      out.add(new Instruction(stage, keyword, text.substring(space + 1).strip()));
    }
    return out;
  }

  static List<Instruction> inFinalStage(String keyword) {
    return instructions.stream()
        .filter(i -> i.stage() == finalStage && i.keyword().equals(keyword))
        .toList();
  }

  static List<String> execForm(String arguments) throws Exception {
    return Arrays.asList(new ObjectMapper().readValue(arguments, String[].class));
  }

  /** The sources and destination of a COPY from the build context (no --from). */
  static List<List<String>> contextCopies() {
    List<List<String>> copies = new ArrayList<>();
    for (Instruction i : instructions) {
      if (i.keyword().equals("COPY") && !i.arguments().contains("--from=")) {
        List<String> words = new ArrayList<>(List.of(i.arguments().split("\\s+")));
        words.removeIf(w -> w.startsWith("--"));
        copies.add(words);
      }
    }
    return copies;
  }

  @Test
  void entrypointIsACopyOfTheRepositoryLauncher() throws Exception {
    List<Instruction> entrypoints = inFinalStage("ENTRYPOINT");
    assertThat(entrypoints).hasSize(1);
    assertThat(execForm(entrypoints.get(0).arguments())).containsExactly("/opt/sluice/sluice");
    assertThat(contextCopies()).contains(List.of("sluice", "/opt/sluice/sluice"));
    // the README's launcher, at the repository root
    assertThat(DeployFiles.read(DeployFiles.root().resolve("README.md"))).contains("./sluice ");
    assertThat(execForm(inFinalStage("CMD").get(0).arguments()))
        .containsExactly("node", "start", "--config", "/etc/sluice/node.yaml");
  }

  @Test
  void theJarSitsWhereTheLauncherLooksForItAndTheLauncherSkipsItsBuild() {
    Matcher jar = Pattern.compile("JAR=\"\\$ROOT/([^\"]+)\"").matcher(launcher);
    assertThat(jar.find()).isTrue();
    String jarPath = jar.group(1);
    assertThat(inFinalStage("COPY").stream().map(Instruction::arguments))
        .contains("--from=build /src/" + jarPath + " /opt/sluice/" + jarPath)
        .contains("--from=jre /opt/java /opt/java");
    String env = inFinalStage("ENV").get(0).arguments();
    assertThat(env).contains("JAVA_HOME=/opt/java").contains("SLUICE_SKIP_BUILD=1");
    // what those variables mean to the launcher
    assertThat(launcher)
        .contains("JAVA=\"${JAVA_HOME:+$JAVA_HOME/bin/}java\"")
        .contains("if [ \"${SLUICE_SKIP_BUILD:-}\" != \"1\" ] && stale; then");
    List<String> build =
        instructions.stream()
            .filter(i -> i.stage() == 0 && i.keyword().equals("RUN"))
            .map(Instruction::arguments)
            .toList();
    assertThat(build.get(build.size() - 1))
        .startsWith("./mvnw")
        .contains("-DskipTests")
        .contains("-pl connector-node -am package");
  }

  @Test
  void buildStageCopiesEveryModulePomBeforeTheSources() {
    Matcher modules =
        Pattern.compile("<module>([^<]+)</module>")
            .matcher(DeployFiles.read(DeployFiles.root().resolve("pom.xml")));
    List<String> poms = new ArrayList<>();
    while (modules.find()) {
      poms.add(modules.group(1) + "/pom.xml");
    }
    assertThat(poms).hasSize(5);
    List<String> sources = contextCopies().stream().map(c -> c.get(0)).toList();
    for (String pom : poms) {
      assertThat(sources).contains(pom);
    }
    int goOffline = -1;
    int firstSources = -1;
    for (int i = 0; i < instructions.size(); i++) {
      Instruction in = instructions.get(i);
      if (in.arguments().contains("dependency:go-offline")) {
        goOffline = i;
      }
      if (firstSources < 0 && in.arguments().startsWith("proto/ ")) {
        firstSources = i;
      }
    }
    assertThat(goOffline).isPositive().isLessThan(firstSources);
  }

  @Test
  void runsAsANonRootUser() {
    List<Instruction> users = inFinalStage("USER");
    assertThat(users).hasSize(1);
    String user = users.get(0).arguments();
    assertThat(user).isEqualTo("10001:10001");
    assertThat(user.split(":")[0]).isNotIn("0", "root");
    assertThat(inFinalStage("RUN").get(0).arguments())
        .contains("useradd --system --uid 10001 --gid sluice");
  }

  @Test
  void healthCheckCallsNodeHealthOnTheHealthPortThatComposeConfigures() throws Exception {
    List<Instruction> checks = inFinalStage("HEALTHCHECK");
    assertThat(checks).hasSize(1);
    String check = checks.get(0).arguments();
    List<String> command = execForm(check.substring(check.indexOf("CMD ") + 4));
    assertThat(command)
        .containsExactly(
            "/opt/sluice/sluice",
            "node",
            "health",
            "--address",
            "127.0.0.1:8081",
            "--timeout",
            "3s");
    assertThat(inFinalStage("EXPOSE").get(0).arguments().split("\\s+"))
        .containsExactlyInAnyOrder("7443", "8081");
    assertThat(ComposeFileTest.scriptDefault("SLUICE_HEALTH_PORT")).isEqualTo("8081");
    assertThat(ComposeFileTest.scriptDefault("SLUICE_GRPC_PORT")).isEqualTo("7443");
  }

  @Test
  void jlinkModulesIncludeWhatJdepsReportedAndWhatIsLoadedByName() {
    String reported = DeployFiles.read(DeployFiles.deploy("docker/jdeps-modules.txt")).strip();
    assertThat(reported).matches("[a-z0-9.]+(,[a-z0-9.]+)*");
    List<Instruction> args =
        instructions.stream().filter(i -> i.arguments().startsWith("JLINK_MODULES=")).toList();
    assertThat(args).hasSize(1);
    Set<String> linked =
        new LinkedHashSet<>(
            List.of(args.get(0).arguments().substring("JLINK_MODULES=".length()).split(",")));
    assertThat(linked).containsAll(List.of(reported.split(","))).containsAll(RUNTIME_ONLY_MODULES);
    assertThat(
            instructions.stream()
                .filter(i -> i.stage() == args.get(0).stage() && i.keyword().equals("RUN")))
        .anySatisfy(
            i -> assertThat(i.arguments()).startsWith("jlink --add-modules \"${JLINK_MODULES}\""));
  }

  @Test
  void declaresItsBuildKitSyntaxOnTheFirstLine() {
    String first =
        DeployFiles.read(DeployFiles.deploy("docker/Dockerfile")).lines().findFirst().orElseThrow();
    // a parser directive counts only before any other comment or instruction
    assertThat(first).isEqualTo("# syntax=docker/dockerfile:1");
  }

  @Test
  void runtimeIsDebianBookwormSlim() {
    Instruction last =
        instructions.stream().filter(i -> i.keyword().equals("FROM")).reduce((a, b) -> b).get();
    assertThat(last.arguments()).isEqualTo("${RUNTIME_IMAGE}");
    assertThat(instructions)
        .contains(new Instruction(-1, "ARG", "RUNTIME_IMAGE=debian:bookworm-slim"));
  }

  @Test
  void contextCopiesAreNotIgnoredButBuildOutputIs() {
    List<String> patterns =
        DeployFiles.read(DeployFiles.root().resolve(".dockerignore"))
            .lines()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .map(l -> l.endsWith("/") ? l.substring(0, l.length() - 1) : l)
            .toList();
    assertThat(patterns).contains("**/target", ".git");
    // Docker's matching is Go's filepath.Match plus **; a glob is close enough for these paths.
    List<PathMatcher> ignored =
        patterns.stream().map(p -> FileSystems.getDefault().getPathMatcher("glob:" + p)).toList();
    for (List<String> copy : contextCopies()) {
      for (String source : copy.subList(0, copy.size() - 1)) {
        Path path =
            Path.of(source.endsWith("/") ? source.substring(0, source.length() - 1) : source);
        assertThat(ignored).noneMatch(m -> m.matches(path));
        assertThat(Files.exists(DeployFiles.root().resolve(path))).as(source).isTrue();
      }
    }
    assertThat(ignored).anyMatch(m -> m.matches(Path.of("connector-node/target")));
  }

  @Test
  void provisioningFilesAreWhereComposeRunsThem() {
    assertThat(contextCopies())
        .contains(
            List.of(
                "deploy/compose/provision.sh",
                "deploy/compose/node.yaml.template",
                "/opt/sluice/provision/"));
  }

  @Test
  void jreSmokeScriptIsValidBash() throws Exception {
    Path script = DeployFiles.deploy("docker/smoke-jre.sh");
    Process p = new ProcessBuilder("bash", "-n", script.toString()).start();
    assertThat(p.waitFor()).isZero();
    assertThat(DeployFiles.read(script)).contains("sed -n 's/^ARG JLINK_MODULES=//p'");
  }
}
