package io.sluice.psi;

/**
 * What the sender ends with: the outcome the receiver reported, the number of distinct keys the
 * receiver submitted (all the sender learns of the receiver's set; it never learns the intersection
 * or its size), and a summary of its own input.
 */
public record PsiSenderResult(PsiOutcome outcome, long receiverKeys, PsiInput input) {}
