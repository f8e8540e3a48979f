package io.sluice.compute.runtime;

/**
 * How a session hands out its result, in the one order the runtime allows: the use is spent, the
 * release is on record in the audit log (durably), and only then is the output written or sent. An
 * output that fails after its record leaves a record of a release that did not happen, which the
 * node reports; the reverse — output without a record — cannot happen.
 */
public interface ReleaseStep<T> {
  /** Records the release durably (RESULT_RELEASED or RESULT_WITHHELD). */
  void record();

  /** Writes or sends the output; runs only after {@link #record} returned. */
  T output();
}
