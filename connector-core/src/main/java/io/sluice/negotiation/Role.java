package io.sluice.negotiation;

/** Which side of a negotiation this node is on. */
public enum Role {
  CONSUMER,
  PROVIDER
}
