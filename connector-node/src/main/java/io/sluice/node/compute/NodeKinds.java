package io.sluice.node.compute;

import io.sluice.compute.runtime.ComputationKinds;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.proto.v1.ComputationStart;
import io.sluice.proto.v1.RunRequest;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The kinds this node runs, and how a start or run request names its kind: each family of messages
 * (a {@code oneof} case) registers the function that reads the policy name from it, so the runtime
 * finds a kind by lookup, never by a switch.
 */
final class NodeKinds {
  private final ComputationKinds<NodeKind> kinds;
  private final Map<ComputationStart.KindCase, Function<ComputationStart, String>> starts =
      new EnumMap<>(ComputationStart.KindCase.class);
  private final Map<RunRequest.KindCase, Function<RunRequest, String>> runs =
      new EnumMap<>(RunRequest.KindCase.class);

  private NodeKinds(ComputationKinds<NodeKind> kinds) {
    this.kinds = kinds;
  }

  /** A family of kinds: its members, and where its messages name the member. */
  record Family(
      List<? extends NodeKind> kinds,
      ComputationStart.KindCase startCase,
      Function<ComputationStart, String> startName,
      RunRequest.KindCase runCase,
      Function<RunRequest, String> runName) {}

  static NodeKinds of(List<Family> families) {
    NodeKinds out =
        new NodeKinds(
            ComputationKinds.of(families.stream().map(Family::kinds).toArray(List[]::new)));
    for (Family f : families) {
      out.starts.put(f.startCase(), f.startName());
      out.runs.put(f.runCase(), f.runName());
    }
    return out;
  }

  /** The kind a start message names; INVALID_ARGUMENT for one this node does not run. */
  NodeKind of(ComputationStart start) {
    Function<ComputationStart, String> name = starts.get(start.getKindCase());
    if (name == null) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "unknown computation kind (" + String.join(", ", kinds.names()) + ")");
    }
    return kinds.get(name.apply(start));
  }

  /** The kind a run request names. */
  NodeKind of(RunRequest request) {
    Function<RunRequest, String> name = runs.get(request.getKindCase());
    if (name == null) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          "name a computation to run (" + String.join(", ", kinds.names()) + ")");
    }
    return kinds.get(name.apply(request));
  }

  List<String> names() {
    return kinds.names();
  }
}
