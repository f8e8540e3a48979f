package io.sluice.psi;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;

/** The PSI computations, named as agreements name them, with their stable wire codes. */
public enum PsiMode {
  /** ECDH-PSI over X25519: the receiver learns which of its rows match. */
  PSI(1, "psi"),
  /** ECDH-PSI with shuffled replies: the receiver learns only the intersection size. */
  CARDINALITY(2, "psi-cardinality"),
  /** OPRF-based labelled PSI: the receiver learns the sender's payloads for its matching rows. */
  LABEL(3, "psi-label");

  private final int code;
  private final String policyName;

  PsiMode(int code, String policyName) {
    this.code = code;
    this.policyName = policyName;
  }

  public int code() {
    return code;
  }

  /** The computation's name in policies and agreements ({@code psi}, {@code psi-label}, ...). */
  public String policyName() {
    return policyName;
  }

  static PsiMode ofCode(int code) {
    for (PsiMode m : values()) {
      if (m.code == code) {
        return m;
      }
    }
    throw new SluiceException(ErrorCode.MALFORMED_MESSAGE, "unknown PSI mode " + code);
  }
}
