package io.sluice.audit.trace;

/**
 * What went one way between two participants, as each side logged it: frames, rows and bytes from
 * the sender's log ({@code *Sent}) and from the receiver's ({@code *Received}), and how many frames
 * and messages were paired. Sums saturate at {@link Long#MAX_VALUE}.
 *
 * @param discrepancies how many discrepancies concern transfers of this flow
 */
public record Flow(
    String sender,
    String receiver,
    long framesSent,
    long framesReceived,
    long framesPaired,
    long rowsSent,
    long rowsReceived,
    long bytesSent,
    long bytesReceived,
    long messagesSent,
    long messagesReceived,
    long messagesPaired,
    int discrepancies) {}
