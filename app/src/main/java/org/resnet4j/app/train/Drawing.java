package org.resnet4j.app.train;

import java.io.IOException;

/**
 * Runs chart drawing (Java2D through XChart) and turns the JDK's font failures into an IOException
 * that says what to install. A JDK on a machine without fontconfig or any font (minimal containers,
 * jlinked runtimes) throws {@code java.lang.Error("Fontconfig head is null ...")} or an
 * {@code InternalError} the first time text is measured; neither says how to fix it.
 */
public final class Drawing {
    private Drawing() {}

    /** What draws: any Java2D work that measures or renders text. */
    public interface Draw<T> {
        T draw() throws IOException;
    }

    public static <T> T withFonts(String what, Draw<T> draw) throws IOException {
        try {
            return draw.draw();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Error | RuntimeException e) {
            throw new IOException("could not draw " + what + ": the JDK found no usable font (" + e
                    + "). Install fontconfig and a font, e.g. on Debian/Ubuntu: apt-get install fontconfig fonts-dejavu-core", e);
        }
    }
}
