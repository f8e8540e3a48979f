package io.sluice.collaboration;

import java.util.List;

/** Told about each step of a collaboration, for the audit trail. Must not block for long. */
public interface CollaborationListener {
  /** This node proposed {@code c}, or stored a proposal it received. */
  void proposed(StoredCollaboration c);

  /** {@code member} (this node or another) signed {@code c}. */
  void signed(StoredCollaboration c, String member);

  /** {@code c} was refused (by {@code by}) and never comes into force. */
  void refused(StoredCollaboration c, String by, List<String> reasons);

  /** Every member signed {@code c}; {@code signed} is the final document. */
  void inForce(StoredCollaboration c, byte[] signed);

  void expired(StoredCollaboration c);

  CollaborationListener NONE =
      new CollaborationListener() {
        @Override
        public void proposed(StoredCollaboration c) {}

        @Override
        public void signed(StoredCollaboration c, String member) {}

        @Override
        public void refused(StoredCollaboration c, String by, List<String> reasons) {}

        @Override
        public void inForce(StoredCollaboration c, byte[] signed) {}

        @Override
        public void expired(StoredCollaboration c) {}
      };
}
