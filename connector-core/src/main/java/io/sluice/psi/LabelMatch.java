package io.sluice.psi;

/**
 * One row of a psi-label result: a receiver row and the payload of one sender row with the same
 * key. A receiver row whose key k sender rows share appears k times, once per payload, in the
 * sender's order of those rows.
 */
public record LabelMatch(int receiverRow, byte[] payload) {
  @Override
  public String toString() {
    return "LabelMatch[row " + receiverRow + ", " + payload.length + " bytes]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelMatch m
        && m.receiverRow == receiverRow
        && java.util.Arrays.equals(m.payload, payload);
  }

  @Override
  public int hashCode() {
    return 31 * receiverRow + java.util.Arrays.hashCode(payload);
  }
}
