package io.sluice.crypto;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.math.ec.ECPoint;

/**
 * ECDSA over P-256 with SHA-256 (the JCA's {@code SHA256withECDSA}, DER-encoded signatures), on
 * Bouncy Castle's lightweight API and its fast custom curve: verification is several times faster
 * than the JDK 17 provider, which matters because agreements and tree heads are checked on every
 * use. Signing uses deterministic nonces (RFC 6979), so it needs no randomness. Verification
 * accepts only strict DER with 0 &lt; r, s &lt; n, and only public keys on the curve.
 *
 * <p>Signatures are interchangeable with {@code Signature.getInstance("SHA256withECDSA")}.
 */
public final class EcdsaP256 {
  private static final X9ECParameters X9 = CustomNamedCurves.getByName("secp256r1");
  private static final ECDomainParameters DOMAIN = new ECDomainParameters(X9);
  private static final BigInteger N = X9.getN();

  private EcdsaP256() {}

  /** Signs SHA-256(parts[0] || parts[1] || ...) with a P-256 private key; DER output. */
  public static byte[] sign(PrivateKey key, byte[]... parts) {
    if (!(key instanceof ECPrivateKey ec) || !isP256(ec.getParams())) {
      throw new SluiceException(ErrorCode.INTERNAL, "not a P-256 private key");
    }
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, new ECPrivateKeyParameters(ec.getS(), DOMAIN));
    BigInteger[] rs = signer.generateSignature(digest(parts));
    try {
      return StandardDSAEncoding.INSTANCE.encode(N, rs[0], rs[1]);
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode a signature", e);
    }
  }

  /** True when {@code signature} is a valid strict-DER signature of the parts by {@code key}. */
  public static boolean verify(PublicKey key, byte[] signature, byte[]... parts) {
    ECPublicKeyParameters params;
    try {
      params = publicParameters(key);
    } catch (SluiceException e) {
      return false;
    }
    return verify(params, signature, parts);
  }

  /** As {@link #verify(PublicKey, byte[], byte[]...)} with a key already converted. */
  public static boolean verify(ECPublicKeyParameters key, byte[] signature, byte[]... parts) {
    BigInteger[] rs;
    try {
      rs = StandardDSAEncoding.INSTANCE.decode(N, signature);
    } catch (IOException | RuntimeException e) {
      // malformed DER of any kind (BC throws several runtime exceptions) is simply invalid
      return false;
    }
    if (rs[0].signum() <= 0 || rs[1].signum() <= 0) {
      return false;
    }
    ECDSASigner verifier = new ECDSASigner();
    verifier.init(false, key);
    return verifier.verifySignature(digest(parts), rs[0], rs[1]);
  }

  /** Converts and validates a JCA P-256 public key (on the curve, not the point at infinity). */
  public static ECPublicKeyParameters publicParameters(PublicKey key) {
    if (!(key instanceof ECPublicKey ec) || !isP256(ec.getParams())) {
      throw new SluiceException(ErrorCode.INVALID_POINT, "not a P-256 public key");
    }
    ECPoint q;
    try {
      q = X9.getCurve().createPoint(ec.getW().getAffineX(), ec.getW().getAffineY());
    } catch (IllegalArgumentException e) {
      throw new SluiceException(ErrorCode.INVALID_POINT, "public key is not on P-256");
    }
    if (q.isInfinity() || !q.isValid()) {
      throw new SluiceException(ErrorCode.INVALID_POINT, "public key is not on P-256");
    }
    return new ECPublicKeyParameters(q, DOMAIN);
  }

  private static boolean isP256(java.security.spec.ECParameterSpec spec) {
    return spec != null
        && spec.getOrder().equals(N)
        && spec.getCurve().getField().getFieldSize() == 256
        && spec.getGenerator().getAffineX().equals(X9.getG().getAffineXCoord().toBigInteger());
  }

  private static byte[] digest(byte[]... parts) {
    SHA256Digest d = new SHA256Digest();
    for (byte[] p : parts) {
      d.update(p, 0, p.length);
    }
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return out;
  }
}
