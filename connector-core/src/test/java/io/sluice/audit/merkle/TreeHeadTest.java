package io.sluice.audit.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class TreeHeadTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] ROOT_8 = ReferenceTree.root(8);
  private static final Instant WHEN = Instant.ofEpochMilli(0x0102030405L);

  private static void assertCode(Runnable call, ErrorCode code) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void encodesTheDocumentedLayout() {
    byte[] encoded = new TreeHead(8, ROOT_8, WHEN).encode();
    assertThat(HEX.formatHex(encoded))
        .isEqualTo(
            "736c756963652d737468" // "sluice-sth"
                + "01" // version
                + "0000000000000008" // tree size
                + "0000000102030405" // timestamp, ms
                + ReferenceTree.ROOTS_HEX.get(8));
    assertThat(encoded).hasSize(TreeHead.ENCODED_LENGTH);
  }

  @Test
  void parsesWhatItEncodes() {
    TreeHead head = new TreeHead(Long.MAX_VALUE, ROOT_8, Instant.ofEpochMilli(Long.MAX_VALUE));
    assertThat(TreeHead.parse(head.encode())).isEqualTo(head).hasSameHashCodeAs(head);
    TreeHead empty = new TreeHead(0, TreeHasher.emptyRoot(), Instant.EPOCH);
    assertThat(TreeHead.parse(empty.encode())).isEqualTo(empty);
  }

  @Test
  void truncatesTimestampToMillisecondsSoParsingRoundTrips() {
    TreeHead head = new TreeHead(8, ROOT_8, Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
    assertThat(head.timestamp()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 123_000_000));
    assertThat(TreeHead.parse(head.encode())).isEqualTo(head);
  }

  @Test
  void rejectsOutOfRangeFields() {
    assertCode(() -> new TreeHead(-1, ROOT_8, WHEN), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> new TreeHead(8, Arrays.copyOf(ROOT_8, 31), WHEN), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> new TreeHead(8, Arrays.copyOf(ROOT_8, 33), WHEN), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> new TreeHead(0, ROOT_8, WHEN), ErrorCode.INVALID_ARGUMENT);
    assertCode(
        () -> new TreeHead(8, ROOT_8, Instant.EPOCH.minusNanos(1)), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> new TreeHead(8, ROOT_8, Instant.MAX), ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void parseRejectsWrongLength() {
    byte[] encoded = new TreeHead(8, ROOT_8, WHEN).encode();
    for (int length : new int[] {0, 58, 60, 64}) {
      assertCode(() -> TreeHead.parse(Arrays.copyOf(encoded, length)), ErrorCode.MALFORMED_MESSAGE);
    }
  }

  @Test
  void parseRejectsAnyChangeToLabelOrVersion() {
    byte[] encoded = new TreeHead(8, ROOT_8, WHEN).encode();
    for (int i = 0; i <= 10; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] changed = encoded.clone();
        changed[i] ^= (byte) (1 << bit);
        assertCode(() -> TreeHead.parse(changed), ErrorCode.MALFORMED_MESSAGE);
      }
    }
  }

  @Test
  void parseRejectsFieldsOutOfRange() {
    byte[] encoded = new TreeHead(8, ROOT_8, WHEN).encode();
    byte[] hugeSize = encoded.clone();
    hugeSize[11] = (byte) 0x80; // tree size 2^63 + 8
    assertCode(() -> TreeHead.parse(hugeSize), ErrorCode.MALFORMED_MESSAGE);
    byte[] hugeTime = encoded.clone();
    hugeTime[19] = (byte) 0x80;
    assertCode(() -> TreeHead.parse(hugeTime), ErrorCode.MALFORMED_MESSAGE);
    byte[] emptyWithRoot = encoded.clone();
    Arrays.fill(emptyWithRoot, 11, 19, (byte) 0); // size 0, root of size 8
    assertCode(() -> TreeHead.parse(emptyWithRoot), ErrorCode.MALFORMED_MESSAGE);
  }

  @Test
  void isAnImmutableValue() {
    byte[] root = ROOT_8.clone();
    TreeHead head = new TreeHead(8, root, WHEN);
    root[0] ^= 1;
    head.rootHash()[0] ^= 1;
    assertThat(head.rootHash()).isEqualTo(ROOT_8);
    assertThat(head).isEqualTo(new TreeHead(8, ROOT_8, WHEN));
    assertThat(head).isNotEqualTo(new TreeHead(7, ROOT_8, WHEN));
    assertThat(head).isNotEqualTo(new TreeHead(8, ReferenceTree.root(7), WHEN));
    assertThat(head).isNotEqualTo(new TreeHead(8, ROOT_8, WHEN.plusMillis(1)));
    assertThat(head.toString()).contains("size=8").contains(ReferenceTree.ROOTS_HEX.get(8));
  }
}
