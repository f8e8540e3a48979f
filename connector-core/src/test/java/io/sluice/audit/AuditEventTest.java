package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditEventTest {
  private static final Instant T = Instant.parse("2025-03-01T10:15:30.123456789Z");

  private static AuditEvent.Builder base(EventType type) {
    return AuditEvent.builder(type).time(T).actor("sluice://health/fund");
  }

  @Test
  void writesDetailsCanonicallyWithSortedKeysAtEveryLevel() {
    ObjectNode nested = JsonNodeFactory.instance.objectNode();
    nested.put("z", true).put("a", -3);
    nested.putArray("list").add("b").add(1);
    AuditEvent event =
        base(EventType.RESULT_WITHHELD)
            .detail("rule", "minimum-group-size")
            .detail("groups", 3)
            .details(JsonNodeFactory.instance.objectNode().set("check", nested))
            .build();
    assertThat(event.detailsJson())
        .isEqualTo(
            "{\"check\":{\"a\":-3,\"list\":[\"b\",1],\"z\":true},\"groups\":3,"
                + "\"rule\":\"minimum-group-size\"}");
    assertThat(event.details().get("groups").asLong()).isEqualTo(3);
  }

  @Test
  void keepsMicrosecondsOfTime() {
    AuditEvent event = base(EventType.CONFIG_CHANGED).build();
    assertThat(event.time()).isEqualTo(Instant.parse("2025-03-01T10:15:30.123456Z"));
    assertThat(event.timeMicros()).isEqualTo(1_740_824_130_123_456L);
  }

  @Test
  void describesAFrameWithItsDigest() {
    ByteBuffer frame = ByteBuffer.wrap("arrow ipc bytes".getBytes(StandardCharsets.US_ASCII));
    frame.position(6);
    byte[] digest = AuditEvent.sha256(frame);
    assertThat(frame.position()).isEqualTo(6);
    AuditEvent event =
        base(EventType.FRAME_SENT)
            .traceId("t1")
            .frame("s1", 7, 1000, frame.remaining(), digest)
            .build();
    assertThat(event.detailsJson())
        .isEqualTo("{\"bytes\":9,\"frame\":7,\"rows\":1000,\"stream\":\"s1\"}");
    assertThat(event.digest()).isEqualTo(sha256("ipc bytes"));
  }

  @Test
  void refusesAFrameOnOtherEventsAndBadFrameNumbers() {
    byte[] digest = new byte[32];
    assertThatThrownBy(() -> base(EventType.RESULT_RELEASED).frame("s", 0, 0, 0, digest))
        .isInstanceOf(SluiceException.class);
    assertThatThrownBy(() -> base(EventType.FRAME_SENT).frame("s", -1, 0, 0, digest))
        .isInstanceOf(SluiceException.class);
    assertThatThrownBy(() -> base(EventType.FRAME_SENT).frame("s", 0, 0, 0, new byte[31]))
        .isInstanceOf(SluiceException.class);
  }

  @Test
  void guardRejectsValuesThatDoNotBelongInAnAuditTrail() {
    assertRejected(base(EventType.POLICY_DENIED).detail("email", "jane.doe@example.org"));
    assertRejected(base(EventType.POLICY_DENIED).detail("note", "x".repeat(257)));
    assertRejected(base(EventType.POLICY_DENIED).detail("bad key", "x"));
    assertRejected(base(EventType.POLICY_DENIED).detail("", "x"));
    ObjectNode floating = JsonNodeFactory.instance.objectNode().put("ratio", 0.5);
    assertRejected(base(EventType.POLICY_DENIED).details(floating));
    ObjectNode deep = JsonNodeFactory.instance.objectNode();
    deep.putObject("a").putObject("b").putObject("c").put("d", 1);
    assertRejected(base(EventType.POLICY_DENIED).details(deep));
    ObjectNode big = JsonNodeFactory.instance.objectNode();
    for (int i = 0; i < 40; i++) {
      big.put("k" + i, "v".repeat(200));
    }
    assertRejected(base(EventType.POLICY_DENIED).details(big));
  }

  @Test
  void requiresTimeAndActorAndPlainIdentifiers() {
    assertRejected(AuditEvent.builder(EventType.CONFIG_CHANGED).actor("a"));
    assertRejected(AuditEvent.builder(EventType.CONFIG_CHANGED).time(T));
    assertThatThrownBy(() -> base(EventType.CONFIG_CHANGED).traceId("a\nb"))
        .isInstanceOf(SluiceException.class);
    assertThatThrownBy(() -> base(EventType.CONFIG_CHANGED).digest(new byte[65]))
        .isInstanceOf(SluiceException.class);
  }

  @Test
  void equalEventsAreEqual() {
    AuditEvent a = base(EventType.KEY_CHANGED).detail("old", "ab").detail("new", "cd").build();
    AuditEvent b = base(EventType.KEY_CHANGED).detail("new", "cd").detail("old", "ab").build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(base(EventType.KEY_CHANGED).build());
  }

  private static void assertRejected(AuditEvent.Builder builder) {
    assertThatThrownBy(builder::build)
        .isInstanceOf(SluiceException.class)
        .extracting(e -> ((SluiceException) e).code())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
