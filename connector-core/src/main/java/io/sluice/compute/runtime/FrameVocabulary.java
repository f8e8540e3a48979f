package io.sluice.compute.runtime;

/**
 * A computation kind's frames as the runtime sees them: which type codes exist, what each is called
 * in the audit log, which one stops a session (it must not wait behind data frames), and how many
 * rows a data frame carries (for the audit entry). The kind's protocol gives the frames their
 * meaning; the runtime only carries, bounds and records them.
 */
public interface FrameVocabulary {
  /** The kind's name in messages, e.g. {@code PSI}. */
  String kind();

  /** Whether {@code type} is one of this kind's frame types. */
  boolean knows(int type);

  /** The type's name in audit entries, lower case (e.g. {@code blinded}). */
  String name(int type);

  /** Whether frames of this type stop the session (sent ahead of queued data, even after close). */
  boolean stops(int type);

  /** Rows carried by a data frame; 0 for control frames. */
  long dataRows(WireFrame frame);
}
