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
 * renamed over the target in one atomic step. If writing fails, the temporary file is deleted and the
 * previous file is left untouched.
 */
public final class AtomicFile {
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
        Path tmp = dir.resolve("." + abs.getFileName() + "." + Long.toUnsignedString(TMP_NAMES.nextLong(), 36) + ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16) {
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

    /** Makes the rename itself durable where the platform allows opening a folder (Linux, macOS). */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // Windows cannot open a folder as a channel; the rename is still atomic there.
        }
    }
}
