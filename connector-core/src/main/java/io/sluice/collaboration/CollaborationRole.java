package io.sluice.collaboration;

/** Which side of a collaboration's signing this node is on. */
public enum CollaborationRole {
  /** The member that proposed it: collects the countersignatures and distributes the outcome. */
  PROPOSER,
  /** Any other member: reviews, countersigns or refuses, and receives the outcome. */
  MEMBER
}
