package io.sluice.node;

import io.sluice.node.config.NodeConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive lock a running node holds on its data directory: {@code node.lock} in it, locked
 * with the operating system's file lock (released by the kernel when the process ends, however it
 * ends). A node takes it before it touches anything else in the directory, so a second {@code node
 * start} on the same directory cannot write into the running node's store and audit log (a second
 * writer would take the log's next sequence numbers, after which the running node could record
 * nothing more). The file holds the owner's process id, for the refusal message; it is never
 * deleted, so two starting nodes always race for the same file.
 */
final class DataDirLock implements AutoCloseable {
  static final String FILE = "node.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Creates the data directory if needed and locks it.
   *
   * @throws io.sluice.node.config.ConfigException on {@code dataDir} when the directory cannot be
   *     created or locked, or another process (or this one) holds the lock
   */
  static DataDirLock acquire(NodeConfig config) {
    Path dir = config.dataDir();
    Path file = dir.resolve(FILE);
    FileChannel channel;
    try {
      Files.createDirectories(dir);
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw config.error("dataDir", "cannot create or open " + file + " (" + e + ")");
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very process (a node already runs here)
    } catch (IOException e) {
      closeQuietly(channel);
      throw config.error("dataDir", "cannot lock " + file + " (" + e + ")");
    }
    if (lock == null) {
      String holder = holder(channel);
      closeQuietly(channel);
      throw config.error(
          "dataDir",
          "the data directory "
              + dir
              + " is in use by another node process"
              + holder
              + " (it holds "
              + FILE
              + "); stop that node first, or give this one its own dataDir");
    }
    DataDirLock held = new DataDirLock(channel, lock);
    held.writeOwner();
    return held;
  }

  /** Records our process id in the file (informational; the lock is what counts). */
  private void writeOwner() {
    byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
    try {
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
      channel.force(false);
    } catch (IOException e) {
      // the lock is held; only the message a second starter shows loses the process id
    }
  }

  private static String holder(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(32);
      int n = channel.read(buffer, 0);
      String text =
          n <= 0 ? "" : new String(buffer.array(), 0, n, StandardCharsets.US_ASCII).trim();
      return text.matches("[0-9]{1,10}") ? " (pid " + text + ")" : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was locked
    }
  }

  /** Releases the lock; the file stays. */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }

  @Override
  public String toString() {
    return "the lock on " + FILE;
  }
}
