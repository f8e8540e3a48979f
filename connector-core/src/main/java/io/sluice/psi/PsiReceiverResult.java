package io.sluice.psi;

import java.util.List;
import java.util.OptionalLong;

/**
 * What the receiver ends with. When {@link #outcome()} is {@link PsiOutcome#WITHHELD} nothing else
 * is present: no rows, no payloads, no count.
 *
 * <p>Definitions (docs/psi.md): a receiver row <em>matches</em> if its key occurs among the
 * sender's keys; the <em>intersection size</em> is the number of distinct keys in both sets; the
 * minimum group size is compared with the intersection size.
 *
 * <p>The arrays are handed over, not copied (a result may hold tens of millions of rows): the
 * caller owns them.
 *
 * @param outcome released or withheld
 * @param mode the computation
 * @param receiverRows our input row count
 * @param senderRows the sender's row count (announced in its handshake, checked at its END)
 * @param intersectionSize distinct matched keys; empty if withheld
 * @param matchedRows psi and psi-label: the matching receiver row indices, ascending; else empty
 * @param labels psi-label: one entry per (receiver row, matching sender row), by receiver row
 */
public record PsiReceiverResult(
    PsiOutcome outcome,
    PsiMode mode,
    long receiverRows,
    long senderRows,
    OptionalLong intersectionSize,
    int[] matchedRows,
    List<LabelMatch> labels) {

  static PsiReceiverResult withheld(PsiMode mode, long receiverRows, long senderRows) {
    return new PsiReceiverResult(
        PsiOutcome.WITHHELD,
        mode,
        receiverRows,
        senderRows,
        OptionalLong.empty(),
        new int[0],
        List.of());
  }

  @Override
  public String toString() {
    return "PsiReceiverResult["
        + outcome
        + ", "
        + mode.policyName()
        + ", receiver "
        + receiverRows
        + ", sender "
        + senderRows
        + "]";
  }
}
