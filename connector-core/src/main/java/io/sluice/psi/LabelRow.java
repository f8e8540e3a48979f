package io.sluice.psi;

import java.util.Objects;

/**
 * One row of a psi-label sender: its encoded join key ({@code null} when a key column is null or
 * blank: the row is skipped) and its payload (the payload columns, encoded by the caller, at most
 * {@link LabelCrypto#MAX_PAYLOAD_BYTES} bytes).
 */
public record LabelRow(byte[] key, byte[] payload) {
  public LabelRow {
    Objects.requireNonNull(payload, "payload");
  }

  @Override
  public String toString() {
    return "LabelRow["
        + (key == null ? "no key" : key.length + "-byte key")
        + ", "
        + payload.length
        + "-byte payload]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelRow r
        && java.util.Arrays.equals(r.key, key)
        && java.util.Arrays.equals(r.payload, payload);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(key) + java.util.Arrays.hashCode(payload);
  }
}
