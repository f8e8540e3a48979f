package io.sluice.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {

  @Test
  void numbersAreUnique() {
    long distinct =
        Arrays.stream(ErrorCode.values()).mapToInt(ErrorCode::number).distinct().count();
    assertThat(distinct).isEqualTo(ErrorCode.values().length);
  }

  @Test
  void unknownNumberFromPeerBecomesInternal() {
    assertThat(ErrorCode.ofNumber(12345)).isEqualTo(ErrorCode.INTERNAL);
    assertThat(ErrorCode.ofNumber(300)).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
  }
}
