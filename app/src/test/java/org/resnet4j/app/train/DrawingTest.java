package org.resnet4j.app.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class DrawingTest {
    @Test
    void aFontFailureBecomesAnIOExceptionThatSaysWhatToInstall() {
        Error fontconfig = new Error("Fontconfig head is null, check your fonts or fonts configuration");
        assertThatThrownBy(() -> Drawing.withFonts("curves.png", () -> { throw fontconfig; }))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("could not draw curves.png")
                .hasMessageContaining("Fontconfig head is null")
                .hasMessageContaining("apt-get install fontconfig fonts-dejavu-core")
                .hasCause(fontconfig);
    }

    @Test
    void memoryExhaustionIsNotMistakenForMissingFonts() {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        assertThatThrownBy(() -> Drawing.withFonts("curves.png", () -> { throw oom; })).isSameAs(oom);
    }

    @Test
    void whatDrawsIsReturned() throws IOException {
        assertThat(Drawing.withFonts("x.png", () -> 42)).isEqualTo(42);
    }
}
