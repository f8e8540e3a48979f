/**
 * The data plane's local I/O: datasets in, results out, as Arrow record batches.
 *
 * <ul>
 *   <li>{@link io.sluice.data.DatasetSource}: where a dataset lives (CSV, Parquet, Arrow IPC file
 *       or stream, or a JDBC query).
 *   <li>{@link io.sluice.data.DatasetProbe}: schema and row count without loading the rows.
 *   <li>{@link io.sluice.data.BatchReader}: bounded-memory streaming in batches of at most N rows,
 *       with projection.
 *   <li>{@link io.sluice.data.ResultWriter}: all-or-nothing output (temp file, atomic rename on
 *       commit).
 *   <li>{@link io.sluice.data.KeyExtractor}: the normalized, unambiguous byte encoding of key
 *       columns for PSI.
 * </ul>
 *
 * <p>Library code never creates a {@code RootAllocator}: every method takes the caller's {@code
 * BufferAllocator}, and everything allocated from it is released by {@code close()}. See {@code
 * docs/data.md}.
 */
package io.sluice.data;
