package org.resnet4j.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed goldens are what the committed generator produces, cover the matrix, and stay small. */
class GoldenHygieneTest {
    private static final Path GENERATOR = Path.of("goldens", "generate.py");
    private static final Path GOLDEN_DIR = Path.of("src", "main", "resources", "goldens");

    @Test
    void manifestRecordsTheHashOfTheCurrentGenerator() throws IOException, NoSuchAlgorithmException {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(GENERATOR)));
        assertThat(Goldens.load().generatorSha256())
                .as("verify/goldens/generate.py changed but the goldens were not regenerated: run /usr/bin/python3 verify/goldens/generate.py")
                .isEqualTo(sha);
    }

    @Test
    void everyLayerCaseOfTheMatrixHasAGolden() {
        List<String> golden = Goldens.load().cases().stream().map(Goldens.Case::name).toList();
        assertThat(golden).containsAll(LayerCases.names());
    }

    @Test
    void goldenConfigsAreTheMatrixConfigs() {
        Goldens g = Goldens.load();
        for (Object spec : LayerCases.all()) {
            assertThat(Subjects.specOf(g.get(LayerChecks.caseName(spec)))).as(LayerChecks.caseName(spec)).isEqualTo(spec);
        }
    }

    @Test
    void committedGoldensStayUnder25MB() throws IOException {
        long total;
        try (Stream<Path> files = Files.list(GOLDEN_DIR)) {
            total = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertThat(total).isLessThan(25L * 1024 * 1024);
    }

    @Test
    void everyCaseRecordsBothPrecisionsAndTolerances() {
        for (Goldens.Case c : Goldens.load().cases()) {
            assertThat(c.f32Tolerance()).as(c.name()).isPositive();
            assertThat(c.f64Tolerance()).as(c.name()).isPositive();
            for (String o : c.outputNames()) {
                assertThat(c.output(o, true)).as(c.name() + "/" + o).hasSameSizeAs(c.output(o, false));
            }
        }
    }
}
