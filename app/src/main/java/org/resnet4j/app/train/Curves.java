package org.resnet4j.app.train;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.resnet4j.ops.io.AtomicFile;

/**
 * {@code curves.png}: loss (left) and accuracy (right) against epochs, training vs test. Training
 * curves use the per-step rows (x = fractional epoch) when there are any, so a short run still shows
 * a curve; test points are per epoch. Drawn headless and written atomically.
 */
public final class Curves {
    private Curves() {}

    public static void write(Path file, List<MetricsLog.Row> rows, double stepsPerEpoch) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Double> trX = new ArrayList<>(), trLoss = new ArrayList<>(), trAcc = new ArrayList<>();
        List<Double> teX = new ArrayList<>(), teLoss = new ArrayList<>(), teAcc = new ArrayList<>();
        boolean haveSteps = rows.stream().anyMatch(r -> r.kind().equals("step"));
        for (MetricsLog.Row r : rows) {
            if (r.kind().equals("step") || (!haveSteps && r.kind().equals("epoch"))) {
                trX.add(r.kind().equals("step") ? r.step() / stepsPerEpoch : r.epoch());
                trLoss.add(r.trainLoss());
                trAcc.add(100 * r.trainAcc());
            }
            if (r.kind().equals("epoch") && !Double.isNaN(r.testLoss())) {
                teX.add((double) r.epoch());
                teLoss.add(r.testLoss());
                teAcc.add(100 * r.testAcc());
            }
        }
        BufferedImage both = Drawing.withFonts(file.getFileName().toString(), () -> {
            BufferedImage left = chart("Loss", "loss", trX, trLoss, teX, teLoss);
            BufferedImage right = chart("Accuracy", "accuracy (%)", trX, trAcc, teX, teAcc);
            BufferedImage img = new BufferedImage(left.getWidth() + right.getWidth(), left.getHeight(), BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.drawImage(left, 0, 0, null);
            g.drawImage(right, left.getWidth(), 0, null);
            g.dispose();
            return img;
        });
        AtomicFile.write(file, out -> {
            if (!ImageIO.write(both, "png", out)) throw new IOException("no PNG writer available");
        });
    }

    private static BufferedImage chart(String title, String yLabel, List<Double> trX, List<Double> trY,
                                       List<Double> teX, List<Double> teY) {
        XYChart c = new XYChartBuilder().width(640).height(440).title(title).xAxisTitle("epoch").yAxisTitle(yLabel).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        if (!trX.isEmpty()) c.addSeries("train", trX, trY).setMarker(SeriesMarkers.NONE);
        if (!teX.isEmpty()) c.addSeries("test", teX, teY).setMarker(SeriesMarkers.CIRCLE);
        if (trX.isEmpty() && teX.isEmpty()) c.addSeries("no data yet", new double[] {0}, new double[] {0});
        return BitmapEncoder.getBufferedImage(c);
    }
}
