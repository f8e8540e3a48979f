/**
 * The oblivious pseudorandom function of RFC 9497 in base mode (mode 0), suite P256-SHA256: the
 * client blinds, the server evaluates with its key, the client unblinds and finalizes.
 */
package io.sluice.crypto.oprf;
