package lucid.cli;

import lucid.eval.Calibration;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The reliability diagram of a calibration: for each confidence bin, a bar as high as the bin's
 * accuracy, the diagonal where accuracy equals confidence, the gap to it, and the bin counts.
 * As an SVG (self-contained) or a PNG drawn with Java2D.
 */
final class ReliabilityDiagram {
    private ReliabilityDiagram() {}

    private static final int WIDTH = 560;
    private static final int HEIGHT = 520;
    private static final int LEFT = 60;
    private static final int TOP = 40;
    private static final int PLOT = 420;

    static String svg(Calibration.Metrics m, String title) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>%n", LEFT, escape(title)));
        // axes and grid
        for (int i = 0; i <= 10; i++) {
            double v = i / 10.0;
            int x = x(v);
            int y = y(v);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>%n", LEFT, y, LEFT + PLOT, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555\">%.1f</text>%n", LEFT - 6, y + 4, v));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%.1f</text>%n", x, TOP + PLOT + 16, v));
        }
        int binCount = m.bins().size();
        double width = (double) PLOT / binCount;
        for (int b = 0; b < binCount; b++) {
            Calibration.Bin bin = m.bins().get(b);
            if (bin.count() == 0) {
                continue;
            }
            double x0 = LEFT + b * width;
            int accuracyY = y(bin.accuracy());
            int confidenceY = y(bin.meanConfidence());
            s.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#3b82f6\" data-accuracy=\"%.4f\"><title>confidence %.2f–%.2f: %d predictions, accuracy %.3f, mean confidence %.3f</title></rect>%n",
                    x0 + 1, accuracyY, width - 2, TOP + PLOT - accuracyY, bin.accuracy(), bin.lower(), bin.upper(), bin.count(), bin.accuracy(), bin.meanConfidence()));
            s.append(String.format(Locale.ROOT, "<rect class=\"gap\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#ef4444\" fill-opacity=\"0.25\"/>%n",
                    x0 + 1, Math.min(accuracyY, confidenceY), width - 2, Math.abs(accuracyY - confidenceY)));
            s.append(String.format(Locale.ROOT, "<text class=\"count\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" fill=\"#333\">%d</text>%n",
                    x0 + width / 2, Math.min(accuracyY, confidenceY) - 4, bin.count()));
        }
        s.append(String.format(Locale.ROOT, "<line class=\"diagonal\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#111\" stroke-dasharray=\"6 4\"/>%n",
                x(0), y(0), x(1), y(1)));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n", LEFT, TOP, PLOT, PLOT));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">confidence (top-1 probability)</text>%n", LEFT + PLOT / 2, TOP + PLOT + 34));
        s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">accuracy</text>%n", TOP + PLOT / 2, TOP + PLOT / 2));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT, HEIGHT - 14, escape(summary(m))));
        s.append("</svg>\n");
        return s.toString();
    }

    static void png(Calibration.Metrics m, String title, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int i = 0; i <= 10; i++) {
            double v = i / 10.0;
            g.setColor(new Color(0xEEEEEE));
            g.drawLine(LEFT, y(v), LEFT + PLOT, y(v));
            g.setColor(new Color(0x555555));
            g.drawString(String.format(Locale.ROOT, "%.1f", v), LEFT - 28, y(v) + 4);
            g.drawString(String.format(Locale.ROOT, "%.1f", v), x(v) - 8, TOP + PLOT + 16);
        }
        int binCount = m.bins().size();
        double width = (double) PLOT / binCount;
        for (int b = 0; b < binCount; b++) {
            Calibration.Bin bin = m.bins().get(b);
            if (bin.count() == 0) {
                continue;
            }
            int x0 = (int) Math.round(LEFT + b * width) + 1;
            int w = (int) Math.round(width) - 2;
            int accuracyY = y(bin.accuracy());
            int confidenceY = y(bin.meanConfidence());
            g.setColor(new Color(0x3b82f6));
            g.fillRect(x0, accuracyY, w, TOP + PLOT - accuracyY);
            g.setColor(new Color(239, 68, 68, 64));
            g.fillRect(x0, Math.min(accuracyY, confidenceY), w, Math.abs(accuracyY - confidenceY));
            g.setColor(new Color(0x333333));
            g.drawString(Integer.toString(bin.count()), x0, Math.min(accuracyY, confidenceY) - 4);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        g.drawLine(x(0), y(0), x(1), y(1));
        g.setStroke(new BasicStroke(1));
        g.drawRect(LEFT, TOP, PLOT, PLOT);
        g.drawString("confidence (top-1 probability)", LEFT + PLOT / 2 - 80, TOP + PLOT + 34);
        g.drawString(summary(m), LEFT, HEIGHT - 14);
        g.dispose();
        javax.imageio.ImageIO.write(image, "png", file.toFile());
    }

    private static String summary(Calibration.Metrics m) {
        return String.format(Locale.ROOT, "ECE %.4f · MCE %.4f · accuracy %.3f · mean confidence %.3f · %d predictions",
                m.ece(), m.mce(), m.accuracy(), m.meanConfidence(), m.predictions());
    }

    private static int x(double v) {
        return (int) Math.round(LEFT + v * PLOT);
    }

    private static int y(double v) {
        return (int) Math.round(TOP + (1 - v) * PLOT);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
