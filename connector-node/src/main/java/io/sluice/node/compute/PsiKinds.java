package io.sluice.node.compute;

import io.sluice.compute.runtime.FrameVocabulary;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.proto.v1.ComputationStart;
import io.sluice.proto.v1.RunRequest;
import io.sluice.psi.PsiFrames;
import io.sluice.psi.PsiMode;
import java.util.Arrays;
import java.util.List;

/**
 * PSI's registration with the runtime: one kind per mode ({@code psi}, {@code psi-cardinality},
 * {@code psi-label}), sharing PSI's frames, its responder (the provider's side) and its initiator
 * (the receiver's side).
 */
final class PsiKinds {
  private PsiKinds() {}

  /** The PSI family, for {@link NodeKinds}. */
  static NodeKinds.Family family(ComputeContext context, ConsumerResults results) {
    Responder responder = new PsiResponder(context);
    PsiInitiator initiator = new PsiInitiator(context, results);
    List<NodeKind> kinds =
        Arrays.stream(PsiMode.values())
            .map(m -> (NodeKind) new Kind(m.policyName(), responder, initiator))
            .toList();
    return new NodeKinds.Family(
        kinds,
        ComputationStart.KindCase.PSI,
        start -> startMode(start.getPsi().getMode()),
        RunRequest.KindCase.PSI,
        initiator::modeOf);
  }

  /** The mode a peer's start names; refused without echoing what came off the wire. */
  private static String startMode(String name) {
    if (Arrays.stream(PsiMode.values()).noneMatch(m -> m.policyName().equals(name))) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "unknown PSI mode (psi, psi-cardinality, psi-label)");
    }
    return name;
  }

  /** The mode named as agreements name it; anything else is an INVALID_ARGUMENT. */
  static PsiMode mode(String name) {
    for (PsiMode m : PsiMode.values()) {
      if (m.policyName().equals(name)) {
        return m;
      }
    }
    throw new SluiceException(
        ErrorCode.INVALID_ARGUMENT,
        "unknown PSI mode '" + name + "' (psi, psi-cardinality, psi-label)");
  }

  private record Kind(String policyName, Responder responder, Initiator initiator)
      implements NodeKind {
    @Override
    public FrameVocabulary frames() {
      return PsiFrames.VOCABULARY;
    }
  }
}
