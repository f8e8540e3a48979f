/**
 * X25519 (RFC 7748) as the commutative blinding function of ECDH-PSI, computed by Bouncy Castle.
 */
package io.sluice.crypto.x25519;
