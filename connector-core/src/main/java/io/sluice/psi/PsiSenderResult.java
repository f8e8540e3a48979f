package io.sluice.psi;

/**
 * What the sender ends with: the outcome the receiver reported, and the two set sizes (the only
 * things the sender learns; it never learns the intersection or its size).
 */
public record PsiSenderResult(PsiOutcome outcome, long receiverRows, long senderRows) {}
