/**
 * RFC 9380 hashing to elliptic curves: {@code expand_message_xmd} (SHA-256 and SHA-512), the suite
 * {@code P256_XMD:SHA-256_SSWU_RO_} for the OPRF and the suites {@code
 * curve25519_XMD:SHA-512_ELL2_RO_} / {@code _NU_} for ECDH-PSI, implemented from the RFC on Bouncy
 * Castle's field arithmetic because no library we use provides them.
 */
package io.sluice.crypto.h2c;
