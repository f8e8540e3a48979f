package io.sluice.results;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Durable result records (table {@code results}, migration {@code V3__results.sql}). */
public interface ResultStore {

  /**
   * Stores a new record.
   *
   * @throws io.sluice.error.SluiceException ALREADY_EXISTS when its id is taken
   */
  void insert(ResultRecord record);

  /** Removes a record whose registration failed; true if there was one. */
  boolean remove(String resultId);

  Optional<ResultRecord> find(String resultId);

  /** Every record, or one agreement's, oldest first. */
  List<ResultRecord> list(Optional<String> agreementId);

  /** Records that await deletion and whose deadline is at or before {@code now}, earliest first. */
  List<ResultRecord> due(Instant now);

  /**
   * Writes {@code record}'s state, deletion time and note if the stored state is still {@code
   * expected}; false (and nothing written) if it is not, or there is no such record.
   */
  boolean update(ResultRecord record, ResultState expected);
}
