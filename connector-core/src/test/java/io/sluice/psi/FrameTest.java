package io.sluice.psi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FrameTest {
  private static final int MAX = 1 << 16;

  static void assertRejected(Runnable r, ErrorCode code) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void roundTripsEveryType() {
    for (FrameType t : FrameType.values()) {
      Frame f = new Frame(t, 42, new byte[] {1, 2, 3});
      byte[] wire = f.encode();
      assertThat(wire).hasSize(Frame.HEADER_LENGTH + 3);
      assertThat(Frame.decode(wire, MAX)).isEqualTo(f);
    }
  }

  @Test
  void encodingIsTheDocumentedLayout() {
    byte[] wire = new Frame(FrameType.END, 0x0102030405060708L, new byte[] {9}).encode();
    assertThat(wire).containsExactly(1, 5, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 9);
  }

  @Test
  void rejectsShortWrongLengthUnknownAndOversizedFrames() {
    byte[] good = new Frame(FrameType.BLINDED, 1, new byte[10]).encode();
    assertRejected(() -> Frame.decode(Arrays.copyOf(good, 13), MAX), ErrorCode.MALFORMED_MESSAGE);
    assertRejected(
        () -> Frame.decode(Arrays.copyOf(good, good.length - 1), MAX), ErrorCode.MALFORMED_MESSAGE);
    assertRejected(
        () -> Frame.decode(Arrays.copyOf(good, good.length + 1), MAX), ErrorCode.MALFORMED_MESSAGE);
    byte[] version = good.clone();
    version[0] = 2;
    assertRejected(() -> Frame.decode(version, MAX), ErrorCode.MALFORMED_MESSAGE);
    byte[] type = good.clone();
    type[1] = 99;
    assertRejected(() -> Frame.decode(type, MAX), ErrorCode.MALFORMED_MESSAGE);
    byte[] negative = good.clone();
    negative[2] = (byte) 0x80;
    assertRejected(() -> Frame.decode(negative, MAX), ErrorCode.MALFORMED_MESSAGE);
    byte[] hugeLength = good.clone();
    ByteBuffer.wrap(hugeLength).putInt(10, Integer.MAX_VALUE);
    assertRejected(() -> Frame.decode(hugeLength, MAX), ErrorCode.MALFORMED_MESSAGE);
    assertRejected(
        () -> Frame.decode(new Frame(FrameType.BLINDED, 0, new byte[MAX]).encode(), MAX),
        ErrorCode.RESOURCE_EXHAUSTED);
  }

  @Test
  void everyHeaderBitFlipIsRejectedOrChangesTheFrame() {
    Frame f = new Frame(FrameType.REPLY, 7, new byte[] {4, 5});
    byte[] wire = f.encode();
    for (int bit = 0; bit < Frame.HEADER_LENGTH * 8; bit++) {
      byte[] m = wire.clone();
      m[bit / 8] ^= (byte) (1 << (bit % 8));
      try {
        assertThat(Frame.decode(m, MAX)).as("bit " + bit).isNotEqualTo(f);
      } catch (SluiceException e) {
        assertThat(e.code()).as("bit " + bit).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
      }
    }
  }

  @Test
  void handshakeDecodingIsStrict() {
    PsiConfig c = PsiConfig.builder(PsiMode.LABEL, "a", "s", "id").keyEpoch("e").build();
    byte[] h = Handshake.of(c, 5).encode();
    assertThat(Handshake.decode(h)).isEqualTo(Handshake.of(c, 5));
    assertRejected(
        () -> Handshake.decode(Arrays.copyOf(h, h.length + 1)), ErrorCode.MALFORMED_MESSAGE);
    for (int n = 0; n < h.length; n++) {
      int len = n;
      assertRejected(() -> Handshake.decode(Arrays.copyOf(h, len)), ErrorCode.MALFORMED_MESSAGE);
    }
  }

  @Test
  void controlFramesDecodeStrictly() {
    Control.End end = Control.decodeEnd(Control.end(FrameType.SENDER_SET, 12));
    assertThat(end).isEqualTo(new Control.End(FrameType.SENDER_SET, 12));
    assertRejected(() -> Control.decodeEnd(new byte[8]), ErrorCode.MALFORMED_MESSAGE);
    byte[] result = Control.result(PsiOutcome.WITHHELD, "withheld: below minimum group size");
    assertThat(Control.decodeResult(result).outcome()).isEqualTo(PsiOutcome.WITHHELD);
    assertRejected(
        () -> Control.decodeResult(Arrays.copyOf(result, result.length - 1)),
        ErrorCode.MALFORMED_MESSAGE);
    byte[] cancel = Control.cancel(ErrorCode.INVALID_POINT, "x".repeat(1000));
    Control.Cancel c = Control.decodeCancel(cancel);
    assertThat(c.code()).isEqualTo(302);
    assertThat(c.message()).hasSize(Control.MAX_TEXT_BYTES);
  }
}
