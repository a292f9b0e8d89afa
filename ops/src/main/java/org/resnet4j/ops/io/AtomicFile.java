package org.resnet4j.ops.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that readers see either the old content or the complete new one, never a part:
 * the bytes go to a temporary file in the same folder, are forced to disk, and the temporary file is
 * renamed over the target in one atomic step, and the rename is forced to disk with the folder. If
 * writing fails, the temporary file is deleted and the previous file is left untouched. A process killed
 * mid-write (SIGKILL, power loss) leaves the previous file and, at most, a temporary file named
 * {@code .<name>.<random>.tmp} that no reader takes for the file; {@link #deleteLeftovers} removes it.
 *
 * <p>Crash tests set the system property {@value #BLOCK_DELAY_PROPERTY} to a number of milliseconds to
 * pause after every 64 KiB written to a temporary file: a write then lasts long enough for a kill to
 * land inside it. Unset (always, outside such tests), nothing pauses.
 */
public final class AtomicFile {
    /** Milliseconds to pause after each 64 KiB block written to a temporary file; for crash tests only. */
    public static final String BLOCK_DELAY_PROPERTY = "resnet4j.atomicfile.blockDelayMillis";
    private static final int BLOCK = 1 << 16;

    private AtomicFile() {}

    /** What to write; may throw to abort the save. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final java.security.SecureRandom TMP_NAMES = new java.security.SecureRandom();

    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("cannot save " + target + ": the folder " + dir + " does not exist");
        }
        if (Files.isDirectory(abs)) throw new IOException("cannot save " + target + ": it is a folder");
        // not Files.createTempFile: it makes the file owner-only (0600); a saved model should get the same
        // permissions as any file the user creates (0666 less the umask)
        Path tmp = dir.resolve(TMP_PREFIX_START + abs.getFileName() + "." + Long.toUnsignedString(TMP_NAMES.nextLong(), 36) + TMP_SUFFIX);
        long blockDelay = Long.getLong(BLOCK_DELAY_PROPERTY, 0);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                OutputStream sink = Channels.newOutputStream(ch);
                if (blockDelay > 0) sink = new PausingStream(sink, blockDelay);
                OutputStream out = new BufferedOutputStream(sink, BLOCK) {
                    @Override
                    public void close() throws IOException {
                        flush(); // the channel is closed by the outer try, after force
                    }
                };
                body.writeTo(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot save " + target + " atomically: the file system does not support an atomic rename", e);
            }
            forceDirectory(dir);
            done = true;
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    private static final String TMP_PREFIX_START = ".", TMP_SUFFIX = ".tmp";

    /**
     * Deletes the temporary files that writes of {@code target} left behind when their process was killed
     * ({@code .<name>.<random>.tmp} in its folder); returns how many. Call it only where no other process
     * is saving {@code target} at the same moment (e.g. when a run starts on its own output folder).
     */
    public static int deleteLeftovers(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) return 0;
        String prefix = TMP_PREFIX_START + abs.getFileName() + ".";
        int deleted = 0;
        try (java.nio.file.DirectoryStream<Path> s = Files.newDirectoryStream(dir, p -> isLeftoverName(p.getFileName().toString(), prefix))) {
            for (Path p : s) if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(p)) deleted++;
        }
        return deleted;
    }

    /** {@code .<name>.<base-36 random>.tmp}, exactly as {@link #write} names its temporary files. */
    private static boolean isLeftoverName(String file, String prefix) {
        if (!file.startsWith(prefix) || !file.endsWith(TMP_SUFFIX)) return false;
        String random = file.substring(prefix.length(), file.length() - TMP_SUFFIX.length());
        return !random.isEmpty() && random.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'));
    }

    /** Passes bytes on in blocks of at most 64 KiB and pauses after each one ({@link #BLOCK_DELAY_PROPERTY}). */
    private static final class PausingStream extends java.io.FilterOutputStream {
        private final long millis;

        PausingStream(OutputStream out, long millis) {
            super(out);
            this.millis = millis;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int done = 0; done < len; ) {
                int n = Math.min(BLOCK, len - done);
                out.write(b, off + done, n);
                done += n;
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while saving");
                }
            }
        }
    }

    /** Makes the rename itself durable where the platform allows opening a folder (Linux, macOS). */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // Windows cannot open a folder as a channel; the rename is still atomic there.
        }
    }
}
