package io.sluice.audit.merkle;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.util.List;
import java.util.Objects;

/**
 * The leaf hashes of an append-only log, by index: the in-memory list in tests, the audit store
 * later.
 *
 * <p>Contract: entries are never changed or removed, so {@code leafHash(i)} returns the same 32
 * bytes for as long as the object lives, and {@link #size()} never decreases. {@link MerkleTree}
 * caches hashes of complete subtrees on the strength of this.
 */
public interface LeafHashes {

  /** The number of leaves; never negative, never decreasing. */
  long size();

  /**
   * The 32-byte leaf hash at {@code index}, for {@code 0 <= index < size()}. Callers do not modify
   * the returned array.
   */
  byte[] leafHash(long index);

  /**
   * A view of a list of leaf hashes. The list is read on every call, so appending to it grows the
   * log; it must not be modified in any other way.
   */
  static LeafHashes of(List<byte[]> hashes) {
    Objects.requireNonNull(hashes, "hashes");
    return new LeafHashes() {
      @Override
      public long size() {
        return hashes.size();
      }

      @Override
      public byte[] leafHash(long index) {
        if (index < 0 || index >= hashes.size()) {
          throw new SluiceException(
              ErrorCode.INVALID_ARGUMENT, "leaf index " + index + " is outside the log");
        }
        return hashes.get((int) index);
      }
    };
  }
}
