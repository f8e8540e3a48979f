package io.sluice.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import io.sluice.identity.PemFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The file side of result retention: where an output may go, its digest, manifest, deletion. */
final class ResultFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Folders of device and kernel file systems: nothing written there can be kept or deleted. */
  private static final List<Path> SPECIAL =
      List.of(Path.of("/dev"), Path.of("/proc"), Path.of("/sys"));

  /** What deleting a result's file found. */
  enum Outcome {
    DELETED,
    MISSING,
    FAILED
  }

  /** The outcome, and for a failure why (a few words, no path). */
  record Deletion(Outcome outcome, String reason) {}

  private ResultFiles() {}

  /**
   * Checks that a computation may write its result to {@code output} and Sluice delete it later: a
   * regular file that does not exist yet, in a writable directory of an ordinary file system, with
   * room for its manifest.
   *
   * @throws SluiceException INVALID_ARGUMENT naming the problem, ALREADY_EXISTS when a file is
   *     there already
   */
  static void checkLocation(Path output) {
    if (output.toString().equals("-")) {
      throw invalid("a result goes to a file, not to standard output");
    }
    Path path = output.toAbsolutePath().normalize();
    Path dir = path.getParent();
    if (dir == null || path.getFileName() == null) {
      throw invalid(path + " is not a file location");
    }
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
        throw new SluiceException(
            ErrorCode.ALREADY_EXISTS, path + " exists; a result never replaces a file");
      }
      throw invalid(
          path
              + (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                  ? " is a directory"
                  : " is not a regular file (a link, device or pipe)"));
    }
    if (!Files.isDirectory(dir)) {
      throw invalid("the directory of " + path + " does not exist");
    }
    Path real;
    try {
      real = dir.toRealPath();
    } catch (IOException e) {
      throw invalid("cannot resolve the directory of " + path + " (" + reason(e) + ")");
    }
    if (SPECIAL.stream().anyMatch(real::startsWith)) {
      throw invalid(path + " is on a device or kernel file system, where a result cannot be kept");
    }
    if (!Files.isWritable(dir)) {
      throw invalid("cannot write in " + dir + ", so a result there could not be deleted either");
    }
    Path manifest = ResultRecord.Output.manifestOf(path);
    if (Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)
        && !Files.isRegularFile(manifest, LinkOption.NOFOLLOW_LINKS)) {
      throw invalid("the manifest's place " + manifest + " is taken by something not a file");
    }
  }

  /** The output as written: absolute path, SHA-256 and size, with the row count given. */
  static ResultRecord.Output describe(Path path, long rows) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "SHA-256 is not available", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(path), sha256)) {
      in.transferTo(OutputStream.nullOutputStream());
      return new ResultRecord.Output(
          path, HexFormat.of().formatHex(sha256.digest()), Files.size(path), rows);
    } catch (IOException e) {
      throw new SluiceException(
          ErrorCode.IO_ERROR, "cannot read " + path.getFileName() + " (" + reason(e) + ")", e);
    }
  }

  /** Writes the manifest beside the output, through a temporary file and a move. */
  static void writeManifest(ResultRecord r) {
    ObjectNode root = JSON.createObjectNode();
    root.put("resultId", r.id());
    root.put("agreementId", r.agreementId());
    root.put("sessionId", r.sessionId());
    root.put("traceId", r.traceId());
    root.put("file", r.output().fileName());
    root.put("sha256", r.output().sha256());
    root.put("bytes", r.output().bytes());
    root.put("rows", r.output().rows());
    root.put("createdAt", r.createdAt().toString());
    root.put("deleteBy", r.deleteBy().map(Object::toString).orElse(null));
    Optional<ResultRecord.Duty> duty = r.duty();
    if (duty.isPresent()) {
      ObjectNode d = root.putObject("duty");
      d.put("action", "delete");
      d.put("pointer", duty.get().pointer());
      d.put("retention", duty.get().retention());
    } else {
      root.putNull("duty");
    }
    try {
      byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
      PemFiles.writeAtomically(r.output().manifest(), bytes, false);
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "cannot encode a result manifest", e);
    }
  }

  /**
   * Deletes the output, then its manifest. The manifest stays while the output does (it says what
   * the file is and when it must go); a manifest that cannot be deleted after its output does not
   * make the deletion fail.
   */
  static Deletion delete(Path output) {
    Outcome outcome = Outcome.DELETED;
    try {
      Files.delete(output);
    } catch (NoSuchFileException e) {
      outcome = Outcome.MISSING;
    } catch (IOException e) {
      return new Deletion(Outcome.FAILED, reason(e));
    }
    try {
      Files.deleteIfExists(ResultRecord.Output.manifestOf(output));
    } catch (IOException e) {
      return new Deletion(outcome, "the manifest remains (" + reason(e) + ")");
    }
    return new Deletion(outcome, "");
  }

  /** Deletes what a failed registration left, adding any failure to {@code failure}. */
  static void deleteQuietly(Path output, Throwable failure) {
    for (Path p : List.of(output, ResultRecord.Output.manifestOf(output))) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** A few words for an I/O failure, never a library's message (it may quote a path). */
  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "a non-empty directory is in its place";
    }
    return e.getClass().getSimpleName();
  }

  private static SluiceException invalid(String message) {
    return new SluiceException(ErrorCode.INVALID_ARGUMENT, message);
  }
}
