package io.sluice.node.deploy;

import static io.sluice.node.deploy.DeployFiles.at;
import static io.sluice.node.deploy.DeployFiles.list;
import static io.sluice.node.deploy.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.node.grpc.NodeHealth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/helm/sluice-node without Helm: the chart's YAML files, each template's structure, and the
 * ConfigMap, Deployment, Service and NetworkPolicy rendered from values.yaml by {@link
 * HelmTemplates} (a line-based substitute, tested on its own). The node.yaml the ConfigMap would
 * hold is loaded with the real {@link NodeConfigLoader}.
 */
class HelmChartTest {
  static final Path CHART = DeployFiles.deploy("helm/sluice-node");

  @TempDir Path tmp;

  static String template(String name) {
    return DeployFiles.read(CHART.resolve("templates").resolve(name));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> values() {
    return (Map<String, Object>) DeployFiles.yaml(DeployFiles.read(CHART.resolve("values.yaml")));
  }

  /** values.yaml with {@code overrides} merged in (maps deeply, everything else replaced). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> values(Map<String, Object> overrides) {
    Map<String, Object> merged = new LinkedHashMap<>(values());
    merge(merged, overrides);
    return merged;
  }

  @SuppressWarnings("unchecked")
  private static void merge(Map<String, Object> into, Map<String, Object> overrides) {
    overrides.forEach(
        (k, v) -> {
          if (v instanceof Map<?, ?> m && into.get(k) instanceof Map<?, ?> existing) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) existing);
            merge(copy, (Map<String, Object>) m);
            into.put(k, copy);
          } else {
            into.put(k, v);
          }
        });
  }

  /** The minimum an install needs: who the node is, and its identity Secret. */
  static Map<String, Object> required() {
    return Map.of(
        "node", Map.of("participant", "fund", "space", "mobility-health"),
        "identity", Map.of("existingSecret", "fund-identity"));
  }

  static Map<String, Object> full() {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("participant", "fund");
    node.put("space", "mobility-health");
    node.put(
        "peers",
        Map.of(
            "insurer", "insurer-sluice-node.insurer.svc.cluster.local:7443",
            "oem", "sluice.oem.example:443"));
    node.put(
        "datasets",
        List.of(
            Map.of(
                "id", "settlements",
                "title", "Fund settlements",
                "source", "/var/lib/sluice/data/settlements.csv",
                "format", "csv",
                "offers",
                    List.of(
                        Map.of(
                            "id", "claims-matching",
                            "policy", "/etc/sluice/policies/claims-matching-offer.json")))));
    node.put("limits", Map.of("rpcDeadlineMillis", 20000, "maxMessageBytes", 16777216));
    node.put("negotiation", Map.of("retryWindowSeconds", 900, "agreedTimeoutSeconds", 1800));
    node.put(
        "store",
        Map.of(
            "url",
            "jdbc:postgresql://db.example:5432/sluice?user=fund&currentSchema=fund",
            "pgpassSecret",
            "fund-pgpass"));
    return Map.of(
        "node", node,
        "identity", Map.of("existingSecret", "fund-identity"),
        "networkPolicy",
            Map.of(
                "grpcFrom",
                List.of(
                    Map.of(
                        "namespaceSelector",
                        Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "insurer"))),
                    Map.of("ipBlock", Map.of("cidr", "203.0.113.0/24"))),
                "healthFrom",
                List.of(
                    Map.of(
                        "namespaceSelector",
                        Map.of(
                            "matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring"))))));
  }

  static Object rendered(String templateName, Map<String, Object> overrides) {
    List<Object> docs =
        DeployFiles.yamlDocuments(HelmTemplates.render(template(templateName), values(overrides)));
    assertThat(docs).hasSize(1);
    return docs.get(0);
  }

  @Test
  void chartYamlNamesTheChartAndTheSluiceVersion() {
    Object chart = DeployFiles.yaml(DeployFiles.read(CHART.resolve("Chart.yaml")));
    assertThat(at(chart, "apiVersion")).isEqualTo("v2");
    assertThat(at(chart, "name")).isEqualTo("sluice-node");
    assertThat(at(chart, "type")).isEqualTo("application");
    assertThat((String) at(chart, "version")).matches("\\d+\\.\\d+\\.\\d+");
    Matcher version =
        Pattern.compile("<artifactId>sluice-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(DeployFiles.read(DeployFiles.root().resolve("pom.xml")));
    assertThat(version.find()).isTrue();
    assertThat(at(chart, "appVersion")).isEqualTo(version.group(1));
  }

  @Test
  void everyValueHasACommentAndARowInTheReadme() {
    String readme = DeployFiles.read(CHART.resolve("README.md"));
    List<String> lines = DeployFiles.read(CHART.resolve("values.yaml")).lines().toList();
    Pattern key = Pattern.compile("^( *)([A-Za-z][A-Za-z0-9]*):(.*)$");
    Deque<String[]> parents = new ArrayDeque<>(); // {indent, name}
    List<String> leaves = new ArrayList<>();
    String previous = "";
    for (String line : lines) {
      Matcher m = key.matcher(line);
      if (m.matches()) {
        int indent = m.group(1).length();
        while (!parents.isEmpty() && Integer.parseInt(parents.peek()[0]) >= indent) {
          parents.pop();
        }
        StringBuilder path = new StringBuilder();
        parents.descendingIterator().forEachRemaining(p -> path.append(p[1]).append('.'));
        path.append(m.group(2));
        if (!m.group(3).isBlank()) {
          leaves.add(path.toString()); // a value, not a mapping of further values
        }
        assertThat(previous.strip()).as("comment above %s", path).startsWith("#");
        parents.push(new String[] {Integer.toString(indent), m.group(2)});
      }
      if (!line.isBlank()) {
        previous = line;
      }
    }
    assertThat(leaves).contains("node.participant", "node.store.url", "probes.liveness");
    assertThat(leaves).doesNotContain("node", "node.store");
    for (String path : leaves) {
      assertThat(readme).as("README row for %s", path).contains("`" + path + "`");
    }
  }

  @Test
  void everyTemplateIsYamlWhateverTheValues() throws IOException {
    Set<Object> kinds = new HashSet<>();
    List<Path> templates;
    try (Stream<Path> files = Files.list(CHART.resolve("templates"))) {
      templates = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(templates).hasSize(5);
    for (Path t : templates) {
      List<Object> docs =
          DeployFiles.yamlDocuments(HelmTemplates.placeholders(DeployFiles.read(t)));
      assertThat(docs).as(t.toString()).hasSize(1);
      Object doc = docs.get(0);
      assertThat(at(doc, "apiVersion")).as(t.toString()).isNotNull();
      assertThat(at(doc, "metadata", "name")).as(t.toString()).isNotNull();
      kinds.add(at(doc, "kind"));
    }
    assertThat(kinds)
        .containsExactlyInAnyOrder(
            "ConfigMap", "Deployment", "Service", "NetworkPolicy", "PersistentVolumeClaim");
    assertThat(CHART.resolve("templates/_helpers.tpl")).isRegularFile();
    assertThat(CHART.resolve("templates/NOTES.txt")).isRegularFile();
  }

  /** The ConfigMap's node.yaml, written next to dummy identity files as the pod mounts them. */
  Path nodeYaml(Map<String, Object> overrides) throws IOException {
    String yaml = (String) at(rendered("configmap.yaml", overrides), "data", "node.yaml");
    Path etc = Files.createDirectories(tmp.resolve("etc-sluice"));
    Path identity = Files.createDirectories(etc.resolve("identity"));
    for (String f : List.of("node.crt", "node.key", "authority.crt", "authority.crl")) {
      Files.writeString(identity.resolve(f), "dummy");
    }
    Path file = etc.resolve("node.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void configMapNodeYamlFromEveryValueLoads() throws IOException {
    NodeConfig config = NodeConfigLoader.load(nodeYaml(full()));
    assertThat(config.participant()).isEqualTo("fund");
    assertThat(config.space()).isEqualTo("mobility-health");
    assertThat(config.listen()).isEqualTo(new NodeConfig.HostPort("0.0.0.0", 7443));
    assertThat(config.healthListen()).isEqualTo(new NodeConfig.HostPort("0.0.0.0", 8081));
    assertThat(config.peers())
        .isEqualTo(
            Map.of(
                "insurer",
                new NodeConfig.HostPort("insurer-sluice-node.insurer.svc.cluster.local", 7443),
                "oem",
                new NodeConfig.HostPort("sluice.oem.example", 443)));
    assertThat(config.datasets()).hasSize(1);
    assertThat(config.datasets().get(0).id()).isEqualTo("settlements");
    assertThat(config.datasets().get(0).offers().get(0).policy())
        .isEqualTo(Path.of("/etc/sluice/policies/claims-matching-offer.json"));
    assertThat(config.limits().rpcDeadlineMillis()).isEqualTo(20000);
    assertThat(config.limits().maxMessageBytes()).isEqualTo(16777216);
    assertThat(config.negotiation().retryWindowSeconds()).isEqualTo(900);
    assertThat(config.negotiation().agreedTimeoutSeconds()).isEqualTo(1800);
    assertThat(config.store())
        .isEqualTo("jdbc:postgresql://db.example:5432/sluice?user=fund&currentSchema=fund");
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/sluice/data"));
    assertThat(config.identity().cert()).isEqualTo(tmp.resolve("etc-sluice/identity/node.crt"));
  }

  @Test
  void configMapNodeYamlFromTheDefaultsLoads() throws IOException {
    NodeConfig config = NodeConfigLoader.load(nodeYaml(required()));
    assertThat(config.peers()).isEmpty();
    assertThat(config.datasets()).isEmpty();
    assertThat(config.store()).isEqualTo("jdbc:sqlite:/var/lib/sluice/data/node.db");
    assertThat(config.limits()).isEqualTo(NodeConfig.Limits.DEFAULTS);
    assertThat(config.negotiation()).isEqualTo(NodeConfig.NegotiationTiming.DEFAULTS);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theReadmeExampleValuesWork() throws IOException {
    Matcher block =
        Pattern.compile("(?s)```yaml\n(.*?)```")
            .matcher(DeployFiles.read(CHART.resolve("README.md")));
    assertThat(block.find()).isTrue();
    Map<String, Object> example = (Map<String, Object>) DeployFiles.yaml(block.group(1));
    Map<String, Object> overrides = new LinkedHashMap<>(example);
    merge(overrides, required());
    NodeConfig config = NodeConfigLoader.load(nodeYaml(overrides));
    assertThat(config.peers().get("insurer"))
        .isEqualTo(new NodeConfig.HostPort("insurer-sluice-node.insurer.svc.cluster.local", 7443));
    Object policy = rendered("networkpolicy.yaml", overrides);
    assertThat(list(policy, "spec", "ingress")).hasSize(1);
    assertThat(at(policy, "spec", "ingress", 0, "from", 0, "podSelector", "matchLabels"))
        .isEqualTo(Map.of("sluice.io/participant", "insurer"));
  }

  @Test
  void installWithoutParticipantOrIdentitySecretFails() {
    Map<String, Object> noSecret = Map.of("node", Map.of("participant", "fund", "space", "s"));
    assertThatThrownBy(() -> rendered("deployment.yaml", noSecret))
        .hasMessageContaining("identity.existingSecret is required");
    assertThatThrownBy(() -> rendered("configmap.yaml", Map.of()))
        .hasMessageContaining("node.participant is required");
  }

  static Map<String, Object> container(Object deployment) {
    List<Object> containers = list(deployment, "spec", "template", "spec", "containers");
    assertThat(containers).hasSize(1);
    return map(containers.get(0));
  }

  @Test
  void deploymentRunsOneNodeWithTheLauncherAndGrpcProbesOnTheHealthPort() {
    Object deployment = rendered("deployment.yaml", required());
    assertThat(at(deployment, "kind")).isEqualTo("Deployment");
    assertThat(at(deployment, "spec", "replicas")).isEqualTo(1);
    assertThat(at(deployment, "spec", "strategy", "type")).isEqualTo("Recreate");
    assertThat(at(deployment, "spec", "template", "metadata", "labels", "sluice.io/participant"))
        .isEqualTo("fund");
    Map<String, Object> node = container(deployment);
    assertThat(list(node, "args"))
        .containsExactly("node", "start", "--config", "/etc/sluice/node.yaml");
    assertThat(node).doesNotContainKey("command"); // the image's entrypoint: the launcher
    int healthPort = (Integer) at(values(), "node", "healthPort");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(map(node, probe).keySet())
          .as(probe)
          .containsExactlyInAnyOrder("grpc", "periodSeconds", "failureThreshold");
      assertThat(at(node, probe, "grpc", "port")).as(probe).isEqualTo(healthPort);
    }
    // a node waiting for a fresh CRL is not ready, but alive: restarting it would not help
    assertThat(at(node, "startupProbe", "grpc", "service")).isEqualTo(NodeHealth.LIVENESS);
    assertThat(at(node, "livenessProbe", "grpc", "service")).isEqualTo(NodeHealth.LIVENESS);
    assertThat(map(node, "readinessProbe", "grpc")).doesNotContainKey("service");
    assertThat(list(node, "ports"))
        .containsExactly(
            Map.of("name", "grpc", "containerPort", 7443, "protocol", "TCP"),
            Map.of("name", "health", "containerPort", healthPort, "protocol", "TCP"));
  }

  @Test
  void portsAndUserAreThoseOfTheImage() {
    List<DockerfileTest.Instruction> image =
        DockerfileTest.parse(DeployFiles.read(DeployFiles.deploy("docker/Dockerfile")));
    String healthCheck = null;
    String expose = null;
    String user = null;
    for (DockerfileTest.Instruction i : image) {
      switch (i.keyword()) {
        case "HEALTHCHECK" -> healthCheck = i.arguments();
        case "EXPOSE" -> expose = i.arguments();
        case "USER" -> user = i.arguments();
        default -> {}
      }
    }
    int grpcPort = (Integer) at(values(), "node", "grpcPort");
    int healthPort = (Integer) at(values(), "node", "healthPort");
    assertThat(healthCheck).contains("\"127.0.0.1:" + healthPort + "\"");
    assertThat(expose).isEqualTo(grpcPort + " " + healthPort);
    Object deployment = rendered("deployment.yaml", required());
    assertThat(user)
        .isEqualTo(
            at(deployment, "spec", "template", "spec", "securityContext", "runAsUser")
                + ":"
                + at(deployment, "spec", "template", "spec", "securityContext", "runAsGroup"));
  }

  @Test
  void deploymentRunsAsTheImageUserOnAReadOnlyRootWithAWritableTmp() {
    Object deployment = rendered("deployment.yaml", required());
    Map<String, Object> pod = map(deployment, "spec", "template", "spec", "securityContext");
    assertThat(pod)
        .containsEntry("runAsNonRoot", true)
        .containsEntry("runAsUser", 10001)
        .containsEntry("runAsGroup", 10001)
        .containsEntry("fsGroup", 10001);
    Map<String, Object> node = container(deployment);
    assertThat(map(node, "securityContext"))
        .containsEntry("readOnlyRootFilesystem", true)
        .containsEntry("allowPrivilegeEscalation", false);
    assertThat(mountPath(node, "tmp")).isEqualTo("/tmp");
    assertThat(at(volume(deployment, "tmp"), "emptyDir", "sizeLimit")).isEqualTo("1Gi");
    assertThat(at(deployment, "spec", "template", "spec", "automountServiceAccountToken"))
        .isEqualTo(false);
  }

  @Test
  void deploymentMountsWhatNodeYamlNames() throws IOException {
    Object deployment = rendered("deployment.yaml", full());
    Map<String, Object> node = container(deployment);
    NodeConfig config = NodeConfigLoader.load(nodeYaml(full()));
    Path etc = tmp.resolve("etc-sluice");

    // node.yaml itself, at the path of --config, from the ConfigMap
    Map<String, Object> configMount = mount(node, "config");
    assertThat(configMount).containsEntry("mountPath", "/etc/sluice/node.yaml");
    assertThat(configMount).containsEntry("subPath", "node.yaml");
    assertThat(at(volume(deployment, "config"), "configMap", "name")).isNotNull();

    // identity files: relative to node.yaml, inside the Secret's mount, which holds exactly them
    String identityMount = mountPath(node, "identity");
    for (Path p :
        List.of(
            config.identity().cert(),
            config.identity().key(),
            config.identity().trust(),
            config.identity().crl())) {
      Path inPod = Path.of("/etc/sluice").resolve(etc.relativize(p));
      assertThat(inPod.getParent()).isEqualTo(Path.of(identityMount));
      assertThat(items(volume(deployment, "identity"))).contains(p.getFileName().toString());
    }
    assertThat(items(volume(deployment, "identity"))).doesNotContain("passphrase");
    assertThat(at(volume(deployment, "identity"), "secret", "secretName"))
        .isEqualTo("fund-identity");
    assertThat(mount(node, "identity")).doesNotContainKey("subPath"); // so CRL updates arrive

    // the passphrase, as the variable the node reads
    assertThat(env(node, "SLUICE_PASSPHRASE"))
        .isEqualTo(
            Map.of(
                "valueFrom",
                Map.of("secretKeyRef", Map.of("name", "fund-identity", "key", "passphrase"))));

    // the data directory is the data volume
    assertThat(Path.of(mountPath(node, "data"))).isEqualTo(config.dataDir());

    // the store password file, for pgjdbc
    String pgpass = (String) at(env(node, "PGPASSFILE"), "value");
    assertThat(Path.of(pgpass).getParent()).isEqualTo(Path.of(mountPath(node, "pgpass")));
    assertThat(at(volume(deployment, "pgpass"), "secret", "secretName")).isEqualTo("fund-pgpass");
    assertThat(items(volume(deployment, "pgpass")))
        .containsExactly(Path.of(pgpass).getFileName().toString());
  }

  @Test
  void dataVolumeIsAClaimOrAnEmptyDirAsChosen() {
    Object withClaim = rendered("deployment.yaml", required());
    assertThat(map(volume(withClaim, "data")).keySet())
        .containsExactlyInAnyOrder("name", "persistentVolumeClaim");
    Map<String, Object> noPersistence = new LinkedHashMap<>(required());
    noPersistence.put("persistence", Map.of("enabled", false));
    Object withEmptyDir = rendered("deployment.yaml", noPersistence);
    assertThat(map(volume(withEmptyDir, "data")).keySet())
        .containsExactlyInAnyOrder("name", "emptyDir");
    assertThat(env(container(withEmptyDir), "PGPASSFILE")).isNull();
  }

  @Test
  void serviceExposesTheGrpcPortOnly() {
    Object service = rendered("service.yaml", required());
    assertThat(list(service, "spec", "ports"))
        .containsExactly(
            Map.of("name", "grpc", "port", 7443, "targetPort", "grpc", "protocol", "TCP"));
  }

  @Test
  void networkPolicyAdmitsOnlyTheListedSources() {
    Object policy = rendered("networkpolicy.yaml", full());
    assertThat(list(policy, "spec", "policyTypes")).containsExactly("Ingress");
    List<Object> rules = list(policy, "spec", "ingress");
    assertThat(rules).hasSize(2);
    assertThat(list(rules.get(0), "ports"))
        .containsExactly(Map.of("port", 7443, "protocol", "TCP"));
    assertThat(list(rules.get(0), "from")).isEqualTo(at(full(), "networkPolicy", "grpcFrom"));
    assertThat(list(rules.get(1), "ports"))
        .containsExactly(Map.of("port", 8081, "protocol", "TCP"));
    assertThat(list(rules.get(1), "from")).isEqualTo(at(full(), "networkPolicy", "healthFrom"));
  }

  @Test
  void networkPolicyWithNoSourcesAdmitsNobody() {
    Object policy = rendered("networkpolicy.yaml", required());
    // no rule at all; a rule without `from` would admit every source
    assertThat(at(policy, "spec", "ingress")).isNull();
    assertThat(list(policy, "spec", "policyTypes")).containsExactly("Ingress");
    Map<String, Object> disabled = new LinkedHashMap<>(required());
    disabled.put("networkPolicy", Map.of("enabled", false));
    assertThat(
            DeployFiles.yamlDocuments(
                HelmTemplates.render(template("networkpolicy.yaml"), values(disabled))))
        .isEmpty();
  }

  static Map<String, Object> mount(Map<String, Object> container, String volume) {
    for (Object m : list(container, "volumeMounts")) {
      if (volume.equals(at(m, "name"))) {
        return map(m);
      }
    }
    throw new AssertionError("no mount of volume " + volume);
  }

  static String mountPath(Map<String, Object> container, String volume) {
    return (String) mount(container, volume).get("mountPath");
  }

  static Object volume(Object deployment, String name) {
    for (Object v : list(deployment, "spec", "template", "spec", "volumes")) {
      if (name.equals(at(v, "name"))) {
        return v;
      }
    }
    throw new AssertionError("no volume " + name);
  }

  static List<Object> items(Object secretVolume) {
    List<Object> paths = new ArrayList<>();
    for (Object item : list(secretVolume, "secret", "items")) {
      assertThat(at(item, "key")).isEqualTo(at(item, "path"));
      paths.add(at(item, "path"));
    }
    return paths;
  }

  static Object env(Map<String, Object> container, String name) {
    for (Object e : list(container, "env")) {
      if (name.equals(at(e, "name"))) {
        Map<String, Object> copy = new LinkedHashMap<>(map(e));
        copy.remove("name");
        return copy;
      }
    }
    return null;
  }
}
