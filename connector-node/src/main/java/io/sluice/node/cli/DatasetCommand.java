package io.sluice.node.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.sluice.catalog.Catalog;
import io.sluice.data.DatasetInfo;
import io.sluice.data.DatasetProbe;
import io.sluice.data.DatasetSource;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.ParticipantId;
import io.sluice.identity.PemFiles;
import io.sluice.node.DatasetRegistry;
import io.sluice.node.config.DatasetDeclarations;
import io.sluice.node.config.NodeConfig;
import io.sluice.node.config.NodeConfigLoader;
import io.sluice.policy.PolicyCodec;
import io.sluice.policy.PolicyProblem;
import io.sluice.policy.PolicyValidationException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.Field;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice dataset}: what this node publishes. */
@Command(
    name = "dataset",
    mixinStandardHelpOptions = true,
    description = "Publish datasets and check what this node publishes.",
    subcommands = {DatasetCommand.Add.class, DatasetCommand.ListDatasets.class})
final class DatasetCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description =
          "Publish a dataset: checks that the source can be read and the policy is valid, then"
              + " writes DATASETS_DIR/ID.yaml (the node picks it up without a restart).")
  static final class Add implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "Node configuration (YAML).")
    Path config;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "Dataset id.")
    String id;

    @Option(
        names = "--source",
        required = true,
        paramLabel = "PATH",
        description = "CSV, Parquet or Arrow IPC file.")
    Path source;

    @Option(
        names = "--format",
        paramLabel = "F",
        description = "csv, parquet, arrow or arrows (default: from the extension).")
    String format;

    @Option(
        names = "--policy",
        required = true,
        paramLabel = "FILE",
        description = "The offer's ODRL policy (JSON).")
    Path policy;

    @Option(
        names = "--offer-id",
        paramLabel = "OID",
        description = "Offer id (default: the policy file name without .json).")
    String offerId;

    @Option(names = "--title", paramLabel = "TEXT", description = "A human title.")
    String title;

    @Override
    public Integer call() throws IOException {
      NodeConfig cfg = NodeConfigLoader.load(config);
      ParticipantId.requireName("dataset id", id);
      String offer = offerId != null ? offerId : offerIdOf(policy);
      ParticipantId.requireName("offer id", offer);
      Path target = cfg.datasetsDir().resolve(id + ".yaml");
      boolean declared =
          cfg.datasets().stream().anyMatch(d -> d.id().equals(id))
              || DatasetDeclarations.scan(cfg.datasetsDir()).datasets().stream()
                  .anyMatch(d -> d.id().equals(id))
              || Files.exists(target);
      if (declared) {
        throw new SluiceException(
            ErrorCode.ALREADY_EXISTS, "dataset '" + id + "' is already declared");
      }
      String json = ContractCommand.read(policy, "--policy");
      io.sluice.policy.Policy parsed;
      try {
        parsed = PolicyCodec.parse(json);
      } catch (PolicyValidationException e) {
        PrintWriter err = spec.commandLine().getErr();
        for (PolicyProblem p : e.problems()) {
          err.println(policy + ": " + p);
        }
        throw new SluiceException(
            ErrorCode.INVALID_POLICY, policy + " is not a valid policy; nothing was written");
      }
      Path sourcePath = source.toAbsolutePath().normalize();
      DatasetSource src =
          format == null
              ? DatasetSource.file(sourcePath)
              : DatasetSource.file(sourcePath, DatasetRegistryAccess.format(format));
      DatasetInfo info;
      try (RootAllocator allocator = new RootAllocator()) {
        info = DatasetProbe.probe(src, allocator);
      }
      java.util.Set<String> columns = new java.util.HashSet<>();
      info.schema().getFields().forEach(f -> columns.add(f.getName()));
      java.util.List<String> psi = io.sluice.compute.PsiOffers.problems(parsed, columns);
      if (!psi.isEmpty()) {
        PrintWriter err = spec.commandLine().getErr();
        psi.forEach(p -> err.println(policy + ": " + p));
        throw new SluiceException(
            ErrorCode.INVALID_POLICY, policy + " cannot be offered for PSI; nothing was written");
      }
      Map<String, Object> yaml = new LinkedHashMap<>();
      yaml.put("id", id);
      yaml.put("title", title == null ? id : title);
      yaml.put("source", sourcePath.toString());
      if (format != null) {
        yaml.put("format", format);
      }
      yaml.put(
          "offers",
          List.of(Map.of("id", offer, "policy", policy.toAbsolutePath().normalize().toString())));
      ObjectMapper mapper =
          new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
      Files.createDirectories(cfg.datasetsDir());
      PemFiles.writeAtomically(
          target, mapper.writeValueAsString(yaml).getBytes(StandardCharsets.UTF_8), false);
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "published dataset "
              + id
              + " ("
              + info.rowCount()
              + " rows, "
              + info.schema().getFields().size()
              + " columns) with offer "
              + offer);
      out.println("  declared in " + target);
      return 0;
    }

    static String offerIdOf(Path policy) {
      String name = policy.getFileName().toString();
      return name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "List the datasets this node publishes, with schema, rows, offers and any problem.")
  static final class ListDatasets implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "Node configuration (YAML).")
    Path config;

    @Override
    public Integer call() {
      NodeConfig cfg = NodeConfigLoader.load(config);
      PrintWriter out = spec.commandLine().getOut();
      try (RootAllocator allocator = new RootAllocator()) {
        Catalog catalog = new Catalog(allocator, (offer, claims) -> true);
        new DatasetRegistry(cfg, catalog).refresh();
        for (Catalog.Listing l : catalog.listFor(Map.of())) {
          out.println(
              "dataset "
                  + l.dataset().id()
                  + "  \""
                  + l.dataset().title()
                  + "\"  "
                  + l.rowCount()
                  + " rows  from "
                  + l.dataset().source().describe());
          for (Field f : l.schema().getFields()) {
            out.println("  " + f.getName() + " " + f.getType());
          }
          l.offers().forEach(o -> out.println("  offer " + o.id()));
        }
        for (Catalog.Problem p : catalog.problems()) {
          out.println("NOT SERVED " + p.datasetId() + ": " + p.message());
        }
        return catalog.problems().isEmpty() ? 0 : 1;
      }
    }
  }

  /** Keeps the format names in one place (the registry's). */
  static final class DatasetRegistryAccess {
    private DatasetRegistryAccess() {}

    static io.sluice.data.DataFormat format(String name) {
      try {
        return DatasetRegistry.format(name);
      } catch (IllegalArgumentException e) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT, "--format must be csv, parquet, arrow or arrows");
      }
    }
  }
}
