package io.sluice.node;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.AuthorityTrust;
import io.sluice.identity.NodeCredentials;
import io.sluice.identity.Passphrase;
import io.sluice.identity.PemFiles;
import io.sluice.node.config.NodeConfig;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A node's credentials and trust, loaded from its configuration. Every failure names the
 * configuration field it comes from.
 */
public record NodeIdentity(NodeCredentials credentials, AuthorityTrust trust) {

  public static NodeIdentity load(NodeConfig config, Map<String, String> env, Clock clock) {
    NodeConfig.Identity files = config.identity();
    AuthorityTrust trust;
    try {
      trust =
          AuthorityTrust.load(
              files.trust(), files.crl(), clock, Duration.ofSeconds(files.crlGraceSeconds()));
    } catch (SluiceException e) {
      String field =
          e.getMessage().startsWith(files.crl().toString()) ? "identity.crl" : "identity.trust";
      throw config.error(field, e.getMessage());
    }
    if (!trust.space().equals(config.space())) {
      throw config.error(
          "space",
          "the authority in "
              + files.trust()
              + " is for data space '"
              + trust.space()
              + "', not '"
              + config.space()
              + "'");
    }
    X509Certificate cert;
    try {
      cert = PemFiles.readCertificate(files.cert());
    } catch (SluiceException e) {
      throw config.error("identity.cert", e.getMessage());
    }
    PrivateKey key;
    try {
      if (PemFiles.isEncryptedKey(files.key())) {
        try (Passphrase passphrase = passphrase(config, env)) {
          key = PemFiles.readPrivateKey(files.key(), passphrase.chars());
        }
      } else {
        key = PemFiles.readPrivateKey(files.key(), null);
      }
    } catch (SluiceException e) {
      String field =
          e.getMessage().contains("passphrase file") ? "identity.passphraseFile" : "identity.key";
      throw config.error(field, e.getMessage());
    }
    try {
      return new NodeIdentity(NodeCredentials.of(key, cert, trust, config.participant()), trust);
    } catch (SluiceException e) {
      throw config.error("identity.cert", e.getMessage());
    }
  }

  private static Passphrase passphrase(NodeConfig config, Map<String, String> env) {
    try {
      return Passphrase.fromFileOrEnv(config.identity().passphraseFile(), env);
    } catch (SluiceException e) {
      throw new SluiceException(ErrorCode.WRONG_PASSPHRASE, e.getMessage());
    }
  }
}
