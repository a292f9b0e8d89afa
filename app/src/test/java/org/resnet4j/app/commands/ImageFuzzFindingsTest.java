package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The image path's allocation bound, tightened while fuzzing it: a header may not promise more
 * pixels than its file can hold, so a damaged 70-byte PNG is refused before a 64-megapixel raster is
 * allocated for it.
 */
class ImageFuzzFindingsTest {
    @Test
    void aHeaderPromisingMorePixelsThanTheFileHoldsIsRefusedBeforeDecoding() throws IOException {
        byte[] png;
        try (InputStream in = getClass().getResourceAsStream("ImageDecodeFuzzTestInputs/decode/header_larger_than_the_file_holds.png")) {
            png = in.readAllBytes();
        }
        assertThatThrownBy(() -> PredictCommand.decode(png, "x.png"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("x.png: expected at most " + 16384L * png.length + " pixels in a file of " + png.length
                        + " bytes (16384 per byte) but its header says 8000x8000 (damaged or truncated; export the image again)");
    }

    /** The bound lets real files through: a blank 2000 x 2000 one-bit PNG, about as compressed as PNG gets, decodes. */
    @Test
    void aHighlyCompressedRealImageStillDecodes() throws IOException {
        BufferedImage blank = new BufferedImage(2000, 2000, BufferedImage.TYPE_BYTE_BINARY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(blank, "png", out);
        assertThat(out.size() * 1000L).isLessThan(2000L * 2000); // over 1000 pixels per byte
        assertThat(PredictCommand.decode(out.toByteArray(), "blank.png").getWidth()).isEqualTo(2000);
    }
}
