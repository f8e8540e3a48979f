package io.sluice.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.node.cli.SluiceCli;
import org.junit.jupiter.api.Test;

/** A typed error crosses the wire with its code, and is told as a failure or a refusal. */
class StatusMappingTest {
  private static SluiceException roundTrip(ErrorCode code, String message) {
    return StatusMapping.fromStatus(
        StatusMapping.toStatus(new SluiceException(code, message)), "fund");
  }

  @Test
  void aBrokenStreamOrACrashedPeerIsAFailureNotARefusal() {
    for (ErrorCode code :
        new ErrorCode[] {
          ErrorCode.STREAM_TRUNCATED,
          ErrorCode.PEER_ABORTED,
          ErrorCode.NODE_STOPPING,
          ErrorCode.PROTOCOL_VIOLATION,
          ErrorCode.AUDIT_APPEND_FAILED,
          ErrorCode.INTERNAL
        }) {
      SluiceException e = roundTrip(code, "the stream ended");
      assertThat(e.code()).isEqualTo(code);
      // an internal error's details stay on the node that had it
      String told = code == ErrorCode.INTERNAL ? "internal error" : "the stream ended";
      assertThat(e.getMessage()).isEqualTo("fund failed: " + told);
      assertThat(SluiceCli.exitCode(e.category())).as(code.name()).isEqualTo(1);
    }
  }

  @Test
  void whatThePeerDecidedNotToDoIsARefusal() {
    SluiceException denied = roundTrip(ErrorCode.POLICY_DENIED, "the agreement does not permit it");
    assertThat(denied.getMessage()).isEqualTo("fund refused: the agreement does not permit it");
    assertThat(SluiceCli.exitCode(denied.category())).isEqualTo(SluiceCli.EXIT_REFUSED);
    SluiceException spent = roundTrip(ErrorCode.SESSION_SPENT, "spent");
    assertThat(spent.code()).isEqualTo(ErrorCode.SESSION_SPENT);
    assertThat(spent.getMessage()).startsWith("fund refused:");
  }
}
