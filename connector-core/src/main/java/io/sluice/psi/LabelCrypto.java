package io.sluice.psi;

import com.google.crypto.tink.subtle.AesGcmJce;
import com.google.crypto.tink.subtle.Hkdf;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * What psi-label derives from an OPRF output F = F(k, key) of the table's key epoch:
 *
 * <ul>
 *   <li>match tag: {@code HKDF-SHA256(ikm = F, salt = none, info = "sluice/psi-label/tag/v2" || len
 *       || agreement id || len || epoch || len || key binding)}, {@value PsiConfig#TAG_LENGTH}
 *       bytes, where the key binding ({@link PsiConfig#keyBinding()}, in hex) names the agreement's
 *       key columns;
 *   <li>payload key: the same with info {@code "sluice/psi-label/key/v2" || ...}, 32 bytes, for
 *       AES-256-GCM (Tink {@link AesGcmJce}: random 12-byte nonce, 16-byte tag, output {@code nonce
 *       || ciphertext || tag});
 *   <li>associated data: {@code "sluice/psi-label/ad/v2" || ... || u64 table position}.
 * </ul>
 *
 * Different info strings make tag and key independent (a tag reveals nothing about the key). The
 * key already depends on agreement and epoch; binding them again in the associated data, with the
 * row's position in the table, means a sealed payload opens only as the row it was sealed for: it
 * cannot be moved to another position (e.g. swapped between two rows with the same key, which share
 * a payload key), into another epoch's or agreement's table, or replayed from a stored table of
 * another deployment. Thread-safe; immutable.
 */
final class LabelCrypto {
  /** Largest payload per row. */
  static final int MAX_PAYLOAD_BYTES = 65_536;

  /** AES-GCM expansion: nonce + tag. */
  static final int SEAL_OVERHEAD = 12 + 16;

  /** Largest sealed table entry (all payloads of one key, padded). */
  static final int MAX_CIPHERTEXT_BYTES = LabelEntry.MAX_ENTRY_BYTES + SEAL_OVERHEAD;

  private static final String HMAC = "HMACSHA256";
  private static final int KEY_LENGTH = 32;

  private final byte[] tagInfo;
  private final byte[] keyInfo;
  private final byte[] adPrefix;

  LabelCrypto(String agreementId, String keyEpoch, byte[] keyBinding) {
    String binding = java.util.HexFormat.of().formatHex(keyBinding);
    this.tagInfo =
        Handshake.lengthPrefixed("sluice/psi-label/tag/v2", agreementId, keyEpoch, binding);
    this.keyInfo =
        Handshake.lengthPrefixed("sluice/psi-label/key/v2", agreementId, keyEpoch, binding);
    this.adPrefix =
        Handshake.lengthPrefixed("sluice/psi-label/ad/v2", agreementId, keyEpoch, binding);
  }

  /** The match tag of an OPRF output, written to {@code out[off..off+12)}. */
  void tag(byte[] oprfOutput, byte[] out, int off) {
    byte[] t = hkdf(oprfOutput, tagInfo, PsiConfig.TAG_LENGTH);
    System.arraycopy(t, 0, out, off, PsiConfig.TAG_LENGTH);
  }

  byte[] seal(byte[] oprfOutput, byte[] payload, long position) {
    if (payload.length > LabelEntry.MAX_ENTRY_BYTES) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, "psi-label entry longer than " + LabelEntry.MAX_ENTRY_BYTES);
    }
    byte[] key = hkdf(oprfOutput, keyInfo, KEY_LENGTH);
    try {
      return new AesGcmJce(key).encrypt(payload, ad(position));
    } catch (GeneralSecurityException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot seal a psi-label payload", e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * Opens a matched row's payload.
   *
   * @throws SluiceException MALFORMED_MESSAGE if it does not open (corrupt, or not this row's)
   */
  byte[] open(byte[] oprfOutput, byte[] ciphertext, long position) {
    byte[] key = hkdf(oprfOutput, keyInfo, KEY_LENGTH);
    try {
      return new AesGcmJce(key).decrypt(ciphertext, ad(position));
    } catch (GeneralSecurityException e) {
      throw new SluiceException(
          ErrorCode.MALFORMED_MESSAGE, "a matched psi-label payload does not open");
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  private byte[] ad(long position) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(adPrefix.length + 8);
    out.writeBytes(adPrefix);
    out.writeBytes(ByteBuffer.allocate(8).putLong(position).array());
    return out.toByteArray();
  }

  private static byte[] hkdf(byte[] ikm, byte[] info, int length) {
    try {
      return Hkdf.computeHkdf(HMAC, ikm, new byte[0], info, length);
    } catch (GeneralSecurityException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "HKDF-SHA256 unavailable", e);
    }
  }
}
