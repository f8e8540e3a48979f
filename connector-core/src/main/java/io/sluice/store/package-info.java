/**
 * Relational stores: {@link io.sluice.store.Database} over SQLite (embedded default) or PostgreSQL,
 * migrated by Flyway from {@code db/migration/<vendor>}, with {@link io.sluice.store.Dialect} for
 * the few differences. Stores of other packages take a {@code Database} and pass one contract test
 * suite on both vendors (see {@code TestDatabases} in the test-jar and {@code docs/stores.md}).
 */
package io.sluice.store;
