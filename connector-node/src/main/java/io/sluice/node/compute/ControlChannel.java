package io.sluice.node.compute;

import io.sluice.proto.v1.ComputeMessage;
import java.time.Duration;

/** The control messages of a computation stream, outside the PSI protocol's frames. */
interface ControlChannel {
  void sendControl(ComputeMessage message);

  /** The next message, which must be a control message. */
  ComputeMessage receiveControl(Duration timeout);
}
