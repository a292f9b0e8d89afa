package org.resnet4j.app.gradflow;

import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.resnet4j.app.train.Drawing;
import org.resnet4j.ops.io.AtomicFile;

/** Line charts written as PNG (for the HTML page) and SVG (for slides and print), atomically. */
final class Charts {
    private Charts() {}

    static XYChart lineChart(String title, String xTitle, String yTitle, boolean logY) {
        System.setProperty("java.awt.headless", "true");
        XYChart c = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setYAxisLogarithmic(logY);
        c.getStyler().setMarkerSize(5);
        return c;
    }

    /** Writes {@code name.png} and {@code name.svg} into {@code dir}; returns the PNG bytes. */
    static byte[] save(XYChart chart, Path dir, String name) throws IOException {
        byte[] png = Drawing.withFonts(name + ".png", () -> BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        ByteArrayOutputStream svg = Drawing.withFonts(name + ".svg", () -> {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            VectorGraphicsEncoder.saveVectorGraphic(chart, bytes, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            return bytes;
        });
        AtomicFile.write(dir.resolve(name + ".png"), out -> out.write(png));
        AtomicFile.write(dir.resolve(name + ".svg"), out -> svg.writeTo(out));
        return png;
    }

    /** A text file written atomically. */
    static void writeText(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFile.write(file, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    static double[] toArray(List<Double> xs) {
        double[] a = new double[xs.size()];
        for (int i = 0; i < a.length; i++) a[i] = xs.get(i);
        return a;
    }
}
