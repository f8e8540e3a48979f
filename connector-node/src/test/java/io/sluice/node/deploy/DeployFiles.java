package io.sluice.node.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.node.RepoFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The repository's deployment files, and YAML read the way Compose and Helm read it: SnakeYAML
 * (YAML 1.1, like both) with anchors, aliases and merge keys ({@code <<}) resolved, which Jackson's
 * tree model does not do.
 */
final class DeployFiles {
  private DeployFiles() {}

  static Path root() {
    return RepoFiles.root();
  }

  static Path deploy(String relative) {
    return root().resolve("deploy").resolve(relative);
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Object yaml(String text) {
    return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
  }

  static List<Object> yamlDocuments(String text) {
    List<Object> documents = new ArrayList<>();
    for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(text)) {
      if (d != null) {
        documents.add(d);
      }
    }
    return documents;
  }

  /** The value at {@code path} (map keys, or list indexes as numbers), or null. */
  static Object at(Object node, Object... path) {
    Object current = node;
    for (Object step : path) {
      if (current instanceof Map<?, ?> map) {
        current = map.get(step);
      } else if (current instanceof List<?> list && step instanceof Integer i) {
        current = i < list.size() ? list.get(i) : null;
      } else {
        return null;
      }
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object node, Object... path) {
    Object value = at(node, path);
    assertThat(value).as("mapping at %s", List.of(path)).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object node, Object... path) {
    Object value = at(node, path);
    assertThat(value).as("list at %s", List.of(path)).isInstanceOf(List.class);
    return (List<Object>) value;
  }
}
