package io.sluice.psi;

import java.util.List;
import java.util.OptionalLong;

/**
 * What the receiver ends with. When {@link #outcome()} is {@link PsiOutcome#WITHHELD} nothing of
 * the result is present: no rows, no payloads, no count.
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
 * @param input our input: rows, rows skipped for a null or blank key, distinct keys sent
 * @param senderKeys the number of distinct keys the sender announced (and sent): all we learn of
 *     its set's size
 * @param intersectionSize distinct matched keys; empty if withheld
 * @param matchedRows psi and psi-label: the matching receiver row indices, ascending; else empty
 * @param labels psi-label: one entry per (receiver row, payload of the matching sender rows), by
 *     receiver row
 */
public record PsiReceiverResult(
    PsiOutcome outcome,
    PsiMode mode,
    PsiInput input,
    long senderKeys,
    OptionalLong intersectionSize,
    int[] matchedRows,
    List<LabelMatch> labels) {

  static PsiReceiverResult withheld(PsiMode mode, PsiInput input, long senderKeys) {
    return new PsiReceiverResult(
        PsiOutcome.WITHHELD, mode, input, senderKeys, OptionalLong.empty(), new int[0], List.of());
  }

  /** Our input rows. */
  public long receiverRows() {
    return input.rows();
  }

  @Override
  public String toString() {
    return "PsiReceiverResult["
        + outcome
        + ", "
        + mode.policyName()
        + ", receiver "
        + input
        + ", sender keys "
        + senderKeys
        + "]";
  }
}
