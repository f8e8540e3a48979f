package io.sluice.identity;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Standard PEM files: certificates, CRLs, CSRs and PKCS#8 private keys (encrypted with PBES2:
 * PBKDF2-HMAC-SHA256 and AES-256-CBC, readable by {@code openssl pkey}). Every write goes to a
 * temporary file first and is moved into place, so a failure never leaves a half-written file.
 */
public final class PemFiles {
  /** PBKDF2 iterations for keys at rest (OWASP 2023 guidance for PBKDF2-HMAC-SHA256 is 600k). */
  static final int PBKDF2_ITERATIONS = 600_000;

  static final BouncyCastleProvider BC = new BouncyCastleProvider();
  private static final SecureRandom RANDOM = new SecureRandom();

  private PemFiles() {}

  public static void writeCertificate(Path file, X509Certificate cert) {
    writePem(file, List.of(cert), false);
  }

  public static void writeCrl(Path file, X509CRL crl) {
    writePem(file, List.of(crl), false);
  }

  public static void writeCsr(Path file, PKCS10CertificationRequest csr) {
    writePem(file, List.of(csr), false);
  }

  /**
   * Writes a private key as PKCS#8: encrypted when {@code passphrase} is given, plain only when the
   * caller passes {@code null} on purpose. The file is readable by its owner only.
   */
  public static void writePrivateKey(Path file, PrivateKey key, char[] passphrase) {
    Object pem;
    try {
      if (passphrase == null) {
        pem = new JcaPKCS8Generator(key, null).generate();
      } else {
        JceOpenSSLPKCS8EncryptorBuilder builder =
            new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                .setPRF(JcaPKCS8Generator.PRF_HMACSHA256)
                .setIterationCount(PBKDF2_ITERATIONS)
                .setRandom(RANDOM)
                .setProvider(BC);
        builder.setPassword(passphrase);
        OutputEncryptor encryptor = builder.build();
        pem = new JcaPKCS8Generator(key, encryptor).generate();
      }
    } catch (OperatorCreationException | org.bouncycastle.util.io.pem.PemGenerationException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode private key", e);
    }
    writePem(file, List.of(pem), true);
  }

  /**
   * Reads a PKCS#8 private key. An encrypted key needs {@code passphrase}; a wrong passphrase is a
   * {@link ErrorCode#WRONG_PASSPHRASE} error naming the file.
   */
  public static PrivateKey readPrivateKey(Path file, char[] passphrase) {
    Object object = readSingle(file, "private key");
    PrivateKeyInfo info;
    if (object instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
      if (passphrase == null) {
        throw new SluiceException(
            ErrorCode.WRONG_PASSPHRASE,
            file + ": the key is encrypted and no passphrase was given");
      }
      try {
        info =
            encrypted.decryptPrivateKeyInfo(
                new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(passphrase));
      } catch (PKCSException | OperatorCreationException | RuntimeException e) {
        throw new SluiceException(
            ErrorCode.WRONG_PASSPHRASE,
            file + ": cannot decrypt the private key (wrong passphrase?)");
      }
    } else if (object instanceof PrivateKeyInfo plain) {
      info = plain;
    } else {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          file
              + ": expected a PKCS#8 private key (BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY)");
    }
    try {
      return new JcaPEMKeyConverter().getPrivateKey(info);
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, file + ": unsupported private key");
    }
  }

  /** True when the file holds an encrypted PKCS#8 key. */
  public static boolean isEncryptedKey(Path file) {
    return readSingle(file, "private key") instanceof PKCS8EncryptedPrivateKeyInfo;
  }

  public static X509Certificate readCertificate(Path file) {
    List<X509Certificate> certs = readCertificates(file);
    if (certs.size() != 1) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          file + ": expected exactly one certificate, found " + certs.size());
    }
    return certs.get(0);
  }

  public static List<X509Certificate> readCertificates(Path file) {
    List<X509Certificate> certs = new ArrayList<>();
    for (Object object : readAll(file)) {
      if (!(object instanceof X509CertificateHolder holder)) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT, file + ": expected certificates (BEGIN CERTIFICATE)");
      }
      certs.add(toCertificate(holder, file));
    }
    return certs;
  }

  public static X509CRL readCrl(Path file) {
    Object object = readSingle(file, "CRL");
    if (!(object instanceof X509CRLHolder holder)) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT, file + ": expected a CRL (BEGIN X509 CRL)");
    }
    try {
      return new JcaX509CRLConverter().getCRL(holder);
    } catch (java.security.cert.CRLException e) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, file + ": malformed CRL");
    }
  }

  public static PKCS10CertificationRequest readCsr(Path file) {
    Object object;
    try {
      object = readSingle(file, "certificate request");
    } catch (SluiceException e) {
      throw new SluiceException(ErrorCode.INVALID_CERTIFICATE_REQUEST, e.getMessage());
    }
    if (!(object instanceof PKCS10CertificationRequest csr)) {
      throw new SluiceException(
          ErrorCode.INVALID_CERTIFICATE_REQUEST,
          file + ": expected a PKCS#10 request (BEGIN CERTIFICATE REQUEST)");
    }
    return csr;
  }

  static X509Certificate toCertificate(X509CertificateHolder holder, Object source) {
    try {
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (CertificateException e) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, source + ": malformed certificate");
    }
  }

  public static String toPem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      if (object instanceof PemObject pem) {
        writer.writeObject(pem);
      } else {
        writer.writeObject(object);
      }
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode PEM", e);
    }
    return out.toString();
  }

  public static X509Certificate parseCertificatePem(String pem) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object = parser.readObject();
      if (object instanceof X509CertificateHolder holder) {
        return toCertificate(holder, "certificate");
      }
    } catch (IOException | RuntimeException e) {
      // fall through to the typed error
    }
    throw new SluiceException(ErrorCode.INVALID_ARGUMENT, "malformed certificate PEM");
  }

  private static Object readSingle(Path file, String what) {
    List<Object> objects = readAll(file);
    if (objects.size() != 1) {
      throw new SluiceException(
          ErrorCode.INVALID_ARGUMENT,
          file
              + ": expected one "
              + what
              + " in PEM form, found "
              + objects.size()
              + " PEM objects");
    }
    return objects.get(0);
  }

  private static List<Object> readAll(Path file) {
    List<Object> objects = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        objects.add(o);
      }
    } catch (IOException e) {
      if (e instanceof java.nio.file.NoSuchFileException
          || e instanceof java.nio.file.AccessDeniedException) {
        throw new SluiceException(
            ErrorCode.INVALID_ARGUMENT, "cannot read " + file + ": " + Passphrase.reason(e));
      }
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, file + ": not valid PEM");
    } catch (RuntimeException e) {
      throw new SluiceException(ErrorCode.INVALID_ARGUMENT, file + ": not valid PEM");
    }
    return objects;
  }

  private static void writePem(Path file, List<Object> objects, boolean secret) {
    StringBuilder text = new StringBuilder();
    for (Object o : objects) {
      text.append(toPem(o));
    }
    writeAtomically(file, text.toString().getBytes(StandardCharsets.US_ASCII), secret);
  }

  /**
   * Writes {@code bytes} next to {@code file} and moves it into place; with {@code secret} the file
   * is created readable by its owner only (where the file system has POSIX permissions).
   */
  public static void writeAtomically(Path file, byte[] bytes, boolean secret) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      if (secret) {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system
        }
      }
      Files.write(tmp, bytes, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new SluiceException(
          ErrorCode.IO_ERROR, "cannot write " + file + ": " + Passphrase.reason(e), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }

  /** Creates {@code file} only if absent; refuses to replace anything. */
  public static void requireAbsent(Path... files) {
    for (Path f : files) {
      if (Files.exists(f)) {
        throw new SluiceException(
            ErrorCode.ALREADY_EXISTS, f + " already exists; refusing to overwrite it");
      }
    }
  }
}
