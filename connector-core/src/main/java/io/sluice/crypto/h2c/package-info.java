/**
 * RFC 9380 hashing to elliptic curves: {@code expand_message_xmd} and the suite {@code
 * P256_XMD:SHA-256_SSWU_RO_}, implemented from the RFC on Bouncy Castle's P-256 field arithmetic
 * because no library we use provides it.
 */
package io.sluice.crypto.h2c;
