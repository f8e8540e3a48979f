package io.sluice.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.identity.TestAuthority;
import io.sluice.node.TestNodes;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCliTest {
  @TempDir Path dir;
  Path config;
  Path csv;
  Path policy;

  @BeforeEach
  void setUp() throws Exception {
    TestAuthority ca = TestAuthority.create(dir.resolve("ca"), "health");
    config = TestNodes.provision(ca, dir, "fund", List.of("medical-insurance-fund"), null);
    csv = dir.resolve("settlements.csv");
    Files.writeString(
        csv,
        "national_id,visit_date,amount\nA1,2026-01-01,1.5\nB2,2026-01-02,2.5\nC3,2026-01-03,3.0\n");
    policy = dir.resolve("claims-matching.json");
    try (InputStream in =
        getClass().getResourceAsStream("/io/sluice/policy/examples/claims-matching-offer.json")) {
      Files.write(policy, in.readAllBytes());
    }
  }

  @Test
  void addsADatasetAfterCheckingSourceAndPolicyAndListsIt() throws Exception {
    Cli added =
        Cli.run(
            "dataset",
            "add",
            "--config",
            config.toString(),
            "--id",
            "settlements",
            "--source",
            csv.toString(),
            "--policy",
            policy.toString(),
            "--title",
            "Settled claims");
    assertThat(added.exitCode()).as(added.err()).isZero();
    assertThat(added.out())
        .contains("published dataset settlements (3 rows, 3 columns) with offer claims-matching");
    Path declared = config.resolveSibling("datasets").resolve("settlements.yaml");
    assertThat(Files.readString(declared))
        .contains("id: \"settlements\"")
        .contains("claims-matching");

    Cli listed = Cli.run("dataset", "list", "--config", config.toString());
    assertThat(listed.exitCode()).as(listed.out()).isZero();
    assertThat(listed.out())
        .contains("dataset settlements  \"Settled claims\"  3 rows")
        .contains("national_id")
        .contains("offer claims-matching");

    Cli again =
        Cli.run(
            "dataset",
            "add",
            "--config",
            config.toString(),
            "--id",
            "settlements",
            "--source",
            csv.toString(),
            "--policy",
            policy.toString());
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("already declared");
  }

  @Test
  void refusesAnInvalidPolicyWithPointersAndWritesNothing() throws Exception {
    Files.writeString(
        policy,
        Files.readString(policy, StandardCharsets.UTF_8).replace("\"purpose\"", "\"shoeSize\""));
    Cli r =
        Cli.run(
            "dataset",
            "add",
            "--config",
            config.toString(),
            "--id",
            "settlements",
            "--source",
            csv.toString(),
            "--policy",
            policy.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("/permission/0/constraint/1").contains("nothing was written");
    assertThat(config.resolveSibling("datasets").resolve("settlements.yaml")).doesNotExist();
  }

  @Test
  void refusesAMissingSourceNamingIt() {
    Cli r =
        Cli.run(
            "dataset",
            "add",
            "--config",
            config.toString(),
            "--id",
            "settlements",
            "--source",
            dir.resolve("nope.csv").toString(),
            "--policy",
            policy.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("nope.csv");
    assertThat(config.resolveSibling("datasets").resolve("settlements.yaml")).doesNotExist();
  }

  @Test
  void refusesAPsiOfferThatDoesNotBindItsKeyOrNamesAColumnTheDatasetLacks() throws Exception {
    String offer = Files.readString(policy);
    Path unbound = dir.resolve("unbound.json");
    Files.writeString(
        unbound,
        offer
            .replaceAll("\\{\\s*\"leftOperand\": \"sluice:keyColumns\"[^}]*\\},?", "")
            .replaceAll(",(\\s*\\])", "$1"));
    Path missing = dir.resolve("missing.json");
    Files.writeString(missing, offer.replace("national_id:upper,visit_date", "person_id"));
    for (Path p : List.of(unbound, missing)) {
      Cli refused =
          Cli.run(
              "dataset",
              "add",
              "--config",
              config.toString(),
              "--id",
              "s",
              "--source",
              csv.toString(),
              "--policy",
              p.toString());
      assertThat(refused.exitCode()).as(refused.err()).isEqualTo(2);
      assertThat(refused.err())
          .contains(p == unbound ? "does not bind the key columns" : "person_id");
    }
    assertThat(config.resolveSibling("datasets").resolve("s.yaml")).doesNotExist();
  }

  @Test
  void listReportsADatasetWhoseSourceBrokeAndKeepsTheOthers() throws Exception {
    assertThat(
            Cli.run(
                    "dataset",
                    "add",
                    "--config",
                    config.toString(),
                    "--id",
                    "good",
                    "--source",
                    csv.toString(),
                    "--policy",
                    policy.toString())
                .exitCode())
        .isZero();
    Path other = dir.resolve("other.csv");
    Files.copy(csv, other);
    assertThat(
            Cli.run(
                    "dataset",
                    "add",
                    "--config",
                    config.toString(),
                    "--id",
                    "gone",
                    "--source",
                    other.toString(),
                    "--policy",
                    policy.toString())
                .exitCode())
        .isZero();
    Files.delete(other);
    Cli listed = Cli.run("dataset", "list", "--config", config.toString());
    assertThat(listed.exitCode()).isEqualTo(1);
    assertThat(listed.out())
        .contains("dataset good")
        .contains("NOT SERVED gone")
        .contains("other.csv");
  }
}
