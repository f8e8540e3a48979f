package io.sluice.crypto.h2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.crypto.TestVectors;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExpandMessageXmdTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "hash-to-curve/expand_message_xmd_SHA256_38.json",
        "hash-to-curve/expand_message_xmd_SHA256_256.json",
        "hash-to-curve/expand_message_xmd_SHA512_38.json"
      })
  void matchesRfc9380Vectors(String file) {
    JsonNode doc = TestVectors.json(file);
    ExpandMessageXmd expander = expanderFor(doc.get("hash").asText());
    byte[] dst = doc.get("DST").asText().getBytes(StandardCharsets.US_ASCII);
    JsonNode tests = doc.get("tests");
    assertThat(tests.size()).isGreaterThanOrEqualTo(5);
    for (JsonNode t : tests) {
      byte[] msg = t.get("msg").asText().getBytes(StandardCharsets.US_ASCII);
      int len = TestVectors.bigHex(t.get("len_in_bytes").asText()).intValueExact();
      byte[] out = expander.expand(msg, dst, len);
      assertThat(out)
          .as("%s msg=%s len=%d", file, t.get("msg").asText(), len)
          .isEqualTo(TestVectors.hex(t.get("uniform_bytes").asText()));
    }
  }

  private static ExpandMessageXmd expanderFor(String hash) {
    return switch (hash) {
      case "SHA256" -> ExpandMessageXmd.sha256();
      case "SHA512" -> ExpandMessageXmd.sha512();
      default -> throw new AssertionError("no expander for " + hash);
    };
  }

  @Test
  void sha512HashesAnOversizeDstAsSection533Prescribes() throws Exception {
    byte[] longDst = new byte[256];
    java.util.Arrays.fill(longDst, (byte) 'D');
    MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
    sha512.update("H2C-OVERSIZE-DST-".getBytes(StandardCharsets.US_ASCII));
    byte[] hashedDst = sha512.digest(longDst);
    byte[] msg = "abc".getBytes(StandardCharsets.US_ASCII);
    assertThat(ExpandMessageXmd.sha512().expand(msg, longDst, 96))
        .isEqualTo(ExpandMessageXmd.sha512().expand(msg, hashedDst, 96));
    assertThat(ExpandMessageXmd.sha512().hashLength()).isEqualTo(64);
  }

  @Test
  void sha512RejectsLengthsBeyond255Blocks() {
    byte[] dst = "D".getBytes(StandardCharsets.US_ASCII);
    assertThat(ExpandMessageXmd.sha512().expand(new byte[0], dst, 255 * 64)).hasSize(255 * 64);
    assertThatThrownBy(() -> ExpandMessageXmd.sha512().expand(new byte[0], dst, 255 * 64 + 1))
        .isInstanceOfSatisfying(
            SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void rejectsLengthsTheRfcForbids() {
    byte[] dst = "D".getBytes(StandardCharsets.US_ASCII);
    Stream.of(0, -1, 65536, 255 * 32 + 1)
        .forEach(
            len ->
                assertThatThrownBy(() -> ExpandMessageXmd.sha256().expand(new byte[0], dst, len))
                    .isInstanceOfSatisfying(
                        SluiceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT)));
    assertThat(ExpandMessageXmd.sha256().expand(new byte[0], dst, 255 * 32)).hasSize(255 * 32);
  }

  @Test
  void rejectsEmptyDst() {
    assertThatThrownBy(() -> ExpandMessageXmd.sha256().expand(new byte[0], new byte[0], 32))
        .isInstanceOf(SluiceException.class);
  }
}
