package org.resnet4j.app.gradflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The walkthrough quotes real code: every Java snippet in it appears verbatim in the file it names. */
class GradientFlowDocTest {

    @Test
    void quotedSnippetsAreTheSourceAsItIs() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        String doc = Files.readString(root.resolve("docs/gradient-flow.md"));
        // a file path in backticks, then (after prose without backticks) a ```java block from that file
        Matcher m = Pattern.compile("`((?:ops|app|core|verify)/src/main/java/[^`]+\\.java)`[^`]*?```java\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        int found = 0;
        while (m.find()) {
            String source = Files.readString(root.resolve(m.group(1)));
            assertThat(source).as("snippet quoted from " + m.group(1)).contains(m.group(2));
            found++;
        }
        assertThat(found).as("java snippets with their file paths").isEqualTo(3);
    }
}
