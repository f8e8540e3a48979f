package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EntryCodecTest {
  private static final AuditEvent EVENT =
      AuditEvent.builder(EventType.FRAME_SENT)
          .time(Instant.ofEpochSecond(1, 2000))
          .traceId("t")
          .sessionId("s")
          .actor("a")
          .counterparty("c")
          .agreementId("g")
          .digest(new byte[] {(byte) 0xab})
          .detail("k", 1)
          .build();

  @Test
  void encodesTheDocumentedLayout() {
    String expected =
        "01" // version
            + "0000000000000005" // sequence 5
            + "00000000000f4242" // 1,000,002 microseconds
            + "0000000a"
            + hex("FRAME_SENT")
            + "00000001"
            + hex("t")
            + "00000001"
            + hex("s")
            + "00000001"
            + hex("a")
            + "00000001"
            + hex("c")
            + "00000001"
            + hex("g")
            + "00000001"
            + "ab"
            + "00000007"
            + hex("{\"k\":1}");
    assertThat(HexFormat.of().formatHex(new AuditEntry(5, EVENT).encode())).isEqualTo(expected);
  }

  @Test
  void theSequenceNumberIsPartOfTheLeaf() {
    assertThat(new AuditEntry(5, EVENT).leafHash())
        .isNotEqualTo(new AuditEntry(6, EVENT).leafHash());
  }

  @Test
  void movingBytesBetweenFieldsChangesTheEncoding() {
    byte[] a = EntryCodec.encode(0, 0, "X", "ab", "", "a", "", "", new byte[0], "{}");
    byte[] b = EntryCodec.encode(0, 0, "X", "a", "b", "a", "", "", new byte[0], "{}");
    assertThat(a).isNotEqualTo(b);
  }

  private static String hex(String s) {
    return HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
