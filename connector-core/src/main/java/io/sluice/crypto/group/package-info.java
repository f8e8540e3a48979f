/**
 * Prime-order groups behind one interface ({@link io.sluice.crypto.group.PrimeOrderGroup}), so that
 * protocols built on them (the OPRF of labelled PSI) do not depend on the curve. P-256 today.
 */
package io.sluice.crypto.group;
