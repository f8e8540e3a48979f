package io.sluice.node.compute;

import io.sluice.proto.v1.ComputeControlServiceGrpc;
import io.sluice.proto.v1.ComputeServiceGrpc;
import java.util.List;

/**
 * The node's computation services over the one runtime, with every kind it runs registered: PSI's
 * three modes. A new kind adds its family here and nothing else outside its own classes.
 */
public final class ComputeServices {
  private final ComputeResponder responder;
  private final ComputeInitiator initiator;

  public ComputeServices(ComputeContext context, ConsumerResults results) {
    NodeKinds kinds = NodeKinds.of(List.of(PsiKinds.family(context, results)));
    this.responder = new ComputeResponder(context, kinds);
    this.initiator = new ComputeInitiator(context, kinds);
  }

  /** {@code ComputeService}: peers open computations here. */
  public ComputeServiceGrpc.ComputeServiceImplBase responder() {
    return responder;
  }

  /** {@code ComputeControlService}: the node's own operator runs computations here. */
  public ComputeControlServiceGrpc.ComputeControlServiceImplBase initiator() {
    return initiator;
  }
}
