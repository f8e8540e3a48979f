package io.sluice.audit;

import io.sluice.audit.merkle.LeafHashes;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored leaf hashes of the audit log, read a page of {@value #PAGE} consecutive entries per
 * query. Complete pages never change in an append-only log, so up to {@value #MAX_PAGES} of them (8
 * MiB) are kept, least recently used first out; the last, partial page is read again each time. A
 * proof touches a few hundred neighbouring leaves, so it costs a handful of queries, and a pass
 * over a million leaves about a thousand.
 */
final class StoredLeafHashes implements LeafHashes {
  static final int PAGE = 1024;
  static final int MAX_PAGES = 256;

  private final Database database;
  private final Map<Long, byte[][]> pages =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[][]> eldest) {
          return size() > MAX_PAGES;
        }
      };

  StoredLeafHashes(Database database) {
    this.database = database;
  }

  @Override
  public long size() {
    return AuditStore.storedSize(database);
  }

  @Override
  public synchronized byte[] leafHash(long index) {
    if (index < 0) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "leaf index " + index);
    }
    long page = index / PAGE;
    byte[][] hashes = pages.get(page);
    if (hashes == null || hashes[(int) (index % PAGE)] == null) {
      hashes = load(page);
      pages.put(page, hashes);
    }
    byte[] hash = hashes[(int) (index % PAGE)];
    if (hash == null) {
      throw new SluiceException(
          ErrorCode.AUDIT_LOG_TAMPERED, "audit entry " + index + " is missing from the store");
    }
    return hash;
  }

  private byte[][] load(long page) {
    long first = page * PAGE;
    return database.read(
        connection -> {
          byte[][] hashes = new byte[PAGE][];
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT seq, leaf_hash FROM audit_entries WHERE seq >= ? AND seq < ?")) {
            select.setLong(1, first);
            select.setLong(2, first + PAGE);
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                hashes[(int) (rows.getLong(1) - first)] = rows.getBytes(2);
              }
            }
          }
          return hashes;
        });
  }
}
