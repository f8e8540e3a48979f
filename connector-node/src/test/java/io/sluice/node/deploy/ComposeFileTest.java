package io.sluice.node.deploy;

import static io.sluice.node.deploy.DeployFiles.at;
import static io.sluice.node.deploy.DeployFiles.list;
import static io.sluice.node.deploy.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/compose/compose.yaml as Compose would read it (merge keys resolved): the services, their
 * order of start, health checks, secrets and volumes. Nothing here runs a container.
 */
class ComposeFileTest {
  static final List<String> NODES = List.of("fund", "insurer", "oem");
  static final String KEYS = "/var/lib/sluice/keys";
  static final String AUTHORITY = "/var/lib/sluice/authority";
  static final String TRUST = "/var/lib/sluice/trust";

  static Path composeDir;
  static Object compose;
  static String provisionScript;

  @BeforeAll
  static void read() {
    composeDir = DeployFiles.deploy("compose");
    compose = DeployFiles.yaml(DeployFiles.read(composeDir.resolve("compose.yaml")));
    provisionScript = DeployFiles.read(composeDir.resolve("provision.sh"));
  }

  @Test
  void hasTheJobThreeNodesAndPostgres() {
    assertThat(map(compose, "services").keySet())
        .containsExactlyInAnyOrder("authority-init", "fund", "insurer", "oem", "postgres");
    assertThat(map(compose, "volumes").keySet())
        .containsExactlyInAnyOrder(
            "authority",
            "trust",
            "fund-keys",
            "insurer-keys",
            "oem-keys",
            "fund-data",
            "insurer-data",
            "oem-data",
            "postgres-data");
  }

  @Test
  void theNodesProvisionedByTheScriptAreTheNodeServices() {
    Matcher m =
        Pattern.compile("(?m)^(?:PARTICIPANTS=')?([a-z0-9.-]+)\\|[^|]+\\|[^|]+\\|")
            .matcher(provisionScript);
    List<String> ids = new ArrayList<>();
    while (m.find()) {
      ids.add(m.group(1));
    }
    assertThat(ids).isEqualTo(NODES);
  }

  @Test
  void nodesStartAfterProvisioningSucceededAndPostgresIsHealthy() {
    for (String node : NODES) {
      Map<String, Object> dependsOn = map(compose, "services", node, "depends_on");
      assertThat(dependsOn.keySet()).containsExactlyInAnyOrder("authority-init", "postgres");
      assertThat(at(dependsOn, "authority-init", "condition"))
          .isEqualTo("service_completed_successfully");
      assertThat(at(dependsOn, "postgres", "condition")).isEqualTo("service_healthy");
    }
  }

  @Test
  void nodesRunTheirProvisionedNodeYamlAndCheckTheHealthPort() {
    String healthPort = scriptDefault("SLUICE_HEALTH_PORT");
    for (String node : NODES) {
      assertThat(list(compose, "services", node, "command"))
          .containsExactly("node", "start", "--config", KEYS + "/" + node + "/node.yaml");
      assertThat(at(compose, "services", node, "restart")).isEqualTo("unless-stopped");
      List<Object> test = list(compose, "services", node, "healthcheck", "test");
      assertThat(test)
          .containsExactly(
              "CMD",
              "/opt/sluice/sluice",
              "node",
              "health",
              "--address",
              "127.0.0.1:" + healthPort,
              "--timeout",
              "3s");
      assertThat(at(compose, "services", node, "environment", "PGPASSFILE"))
          .isEqualTo(KEYS + "/" + node + "/pgpass");
    }
  }

  @Test
  void eachNodeGetsOnlyItsOwnPassphraseItsOwnKeysAndTheAuthoritysCertificateReadOnly() {
    for (String node : NODES) {
      List<Object> secrets = list(compose, "services", node, "secrets");
      assertThat(secrets).hasSize(1);
      assertThat(at(secrets, 0, "source")).isEqualTo(node + "_passphrase");
      assertThat(list(compose, "services", node, "volumes"))
          .containsExactlyInAnyOrder(
              "trust:" + TRUST + ":ro",
              node + "-keys:" + KEYS + "/" + node + ":ro",
              node + "-data:" + scriptDefault("SLUICE_DATA_DIR"));
    }
  }

  @Test
  void onlyTheProvisioningJobMountsTheAuthority() {
    for (Map.Entry<String, Object> e : map(compose, "services").entrySet()) {
      Object volumes = at(e.getValue(), "volumes");
      if (volumes == null) {
        continue;
      }
      for (Object v : (List<?>) volumes) {
        String source = String.valueOf(v).split(":")[0];
        if (source.equals("authority") || source.endsWith("-keys")) {
          assertThat(e.getKey())
              .as("%s mounts %s", e.getKey(), v)
              .isIn("authority-init", source.replace("-keys", ""));
        }
      }
    }
  }

  @Test
  void authorityInitRunsTheProvisionScriptOnceWithEverySecret() {
    Map<String, Object> job = map(compose, "services", "authority-init");
    assertThat(list(job, "entrypoint"))
        .containsExactly("/bin/sh", "/opt/sluice/provision/provision.sh");
    assertThat(at(job, "restart")).isEqualTo("no");
    assertThat(at(job, "healthcheck", "disable")).isEqualTo(true);
    assertThat(list(job, "volumes"))
        .containsExactlyInAnyOrder(
            "authority:" + AUTHORITY,
            "trust:" + TRUST,
            "fund-keys:" + KEYS + "/fund",
            "insurer-keys:" + KEYS + "/insurer",
            "oem-keys:" + KEYS + "/oem");
    Set<Object> sources = new HashSet<>();
    for (Object s : list(job, "secrets")) {
      sources.add(at(s, "source"));
    }
    Set<String> expected = new HashSet<>(List.of("authority_passphrase", "postgres_password"));
    NODES.forEach(n -> expected.add(n + "_passphrase"));
    assertThat(sources).isEqualTo(expected);
    assertThat(scriptDefault("SLUICE_KEYS_DIR")).isEqualTo(KEYS);
    assertThat(scriptDefault("SLUICE_AUTHORITY_DIR")).isEqualTo(AUTHORITY);
    assertThat(scriptDefault("SLUICE_TRUST_DIR")).isEqualTo(TRUST);
    assertThat(scriptDefault("SLUICE_SECRETS_DIR")).isEqualTo("/run/secrets");
  }

  @Test
  void secretsComeFromSluiceVariablesAndBelongToTheImageUser() {
    Map<String, Object> secrets = map(compose, "secrets");
    for (Map.Entry<String, Object> e : secrets.entrySet()) {
      // provision.sh names this variable when a secret is missing
      assertThat(at(e.getValue(), "environment"))
          .isEqualTo("SLUICE_" + e.getKey().toUpperCase(Locale.ROOT));
    }
    for (String service : List.of("authority-init", "fund", "insurer", "oem")) {
      for (Object s : list(compose, "services", service, "secrets")) {
        assertThat(secrets).containsKey((String) at(s, "source"));
        // compose writes secrets from the environment as root-owned 0400 files unless told
        assertThat(at(s, "uid")).as(service).isEqualTo("10001");
        assertThat(at(s, "gid")).as(service).isEqualTo("10001");
        assertThat(at(s, "mode")).as(service).isEqualTo(0400);
      }
    }
  }

  @Test
  void postgresIsVersion16WithAHealthcheckAndThePasswordFromASecret() {
    Map<String, Object> pg = map(compose, "services", "postgres");
    assertThat(at(pg, "image")).isEqualTo("postgres:16");
    assertThat(list(pg, "healthcheck", "test")).contains("pg_isready");
    assertThat(at(pg, "environment", "POSTGRES_PASSWORD_FILE"))
        .isEqualTo("/run/secrets/postgres_password");
    assertThat(at(pg, "environment", "POSTGRES_DB")).isEqualTo(scriptDefault("SLUICE_DB_NAME"));
    assertThat(at(pg, "environment", "POSTGRES_USER")).isEqualTo(scriptDefault("SLUICE_DB_USER"));
    assertThat(scriptDefault("SLUICE_DB_HOST")).isEqualTo("postgres");
    assertThat(list(pg, "volumes")).containsExactly("postgres-data:/var/lib/postgresql/data");
  }

  @Test
  void everySluiceServiceBuildsTheImageFromTheRepositoryDockerfile() {
    for (String service : List.of("authority-init", "fund", "insurer", "oem")) {
      Map<String, Object> build = map(compose, "services", service, "build");
      Path dockerfile =
          composeDir
              .resolve((String) build.get("context"))
              .resolve((String) build.get("dockerfile"))
              .normalize();
      assertThat(dockerfile).isEqualTo(DeployFiles.deploy("docker/Dockerfile"));
      assertThat(Files.isRegularFile(dockerfile)).isTrue();
      assertThat(at(compose, "services", service, "image"))
          .isEqualTo("${SLUICE_IMAGE:-sluice:dev}");
    }
  }

  @Test
  void namedVolumesInUseAreDeclared() {
    Set<String> used = new HashSet<>();
    for (Object service : map(compose, "services").values()) {
      Object volumes = at(service, "volumes");
      if (volumes instanceof List<?> l) {
        for (Object v : l) {
          String source = ((String) v).split(":")[0];
          assertThat(source).as("no bind mounts").doesNotStartWith(".").doesNotStartWith("/");
          used.add(source);
        }
      }
    }
    assertThat(map(compose, "volumes").keySet()).isEqualTo(used);
  }

  /** The default of {@code NAME="${VAR:-default}"} in provision.sh. */
  static String scriptDefault(String variable) {
    String script = DeployFiles.read(DeployFiles.deploy("compose/provision.sh"));
    Matcher m = Pattern.compile("\"\\$\\{" + variable + ":-([^}]*)\\}\"").matcher(script);
    assertThat(m.find()).as("default of %s in provision.sh", variable).isTrue();
    return m.group(1);
  }
}
