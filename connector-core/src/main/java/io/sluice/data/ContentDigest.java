package io.sluice.data;

import io.sluice.error.ErrorCode;
import io.sluice.error.SluiceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;

/**
 * SHA-256 of what a dataset holds right now, so that anything derived from it (a psi-label table)
 * is rebuilt the moment one cell changes: a file's bytes exactly as stored; a JDBC query's rows as
 * the Arrow IPC stream they read into (a query without ORDER BY may return its rows in another
 * order and so look changed, which only costs a rebuild). A file is read once at disk speed; a
 * query runs once.
 */
public final class ContentDigest {
  private ContentDigest() {}

  /** Hex SHA-256 of the source's content. */
  public static String of(DatasetSource source, BufferAllocator allocator) {
    if (source instanceof DatasetSource.File f) {
      return ofFile(f);
    }
    return ofRows((DatasetSource.Jdbc) source, allocator);
  }

  private static String ofFile(DatasetSource.File file) {
    MessageDigest sha = sha256();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file.path())) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new SluiceException(
          ErrorCode.IO_ERROR, "cannot read " + file.path().getFileName() + " to digest it", e);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static String ofRows(DatasetSource.Jdbc source, BufferAllocator allocator) {
    MessageDigest sha = sha256();
    try (BatchReader reader =
            BatchReader.open(source, allocator, BatchReader.DEFAULT_BATCH_ROWS, List.of());
        OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), sha);
        ArrowStreamWriter writer =
            new ArrowStreamWriter(reader.root(), null, Channels.newChannel(sink))) {
      writer.start();
      while (reader.loadNextBatch()) {
        writer.writeBatch();
      }
      writer.end();
    } catch (IOException e) {
      throw new SluiceException(ErrorCode.IO_ERROR, "cannot digest " + source.describe(), e);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new SluiceException(ErrorCode.INTERNAL, "SHA-256 unavailable", e);
    }
  }
}
