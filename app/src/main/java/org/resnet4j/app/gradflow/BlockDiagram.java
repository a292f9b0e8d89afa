package org.resnet4j.app.gradflow;

/**
 * A small inline SVG of one residual block's backward pass: the gradient comes in at the top, passes
 * the final ReLU to the sum, splits into the residual branch (left) and the shortcut (right), and the
 * two parts meet again at the block input (bottom). Each arrow's width grows with the gradient norm it
 * carries (relative to the largest in the block), and the norm is written next to it.
 */
final class BlockDiagram {
    private BlockDiagram() {}

    static String svg(FlowRun.Block b) {
        double max = Math.max(Math.max(b.dOut().l2Norm(), b.dSum().l2Norm()),
                Math.max(Math.max(b.dxMain().l2Norm(), b.dxShortcut().l2Norm()), b.dx().l2Norm()));
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"330\" height=\"270\" viewBox=\"0 0 330 270\" "
                + "font-family=\"sans-serif\" font-size=\"11\">");
        s.append("<defs><marker id=\"ah\" markerWidth=\"6\" markerHeight=\"6\" refX=\"5\" refY=\"3\" orient=\"auto\">"
                + "<path d=\"M0,0 L6,3 L0,6 z\" fill=\"#555\"/></marker></defs>");
        s.append("<rect x=\"0.5\" y=\"0.5\" width=\"329\" height=\"269\" fill=\"#fcfcff\" stroke=\"#ccd\"/>");
        s.append(text(165, 16, "block " + b.path(), "middle", true));
        // top: gradient arriving at the block output, through the final ReLU to the sum
        s.append(arrow(165, 24, 165, 58, b.dOut().l2Norm(), max, "#555"));
        s.append(text(172, 44, "dOut " + Html.num(b.dOut().l2Norm()), "start", false));
        s.append("<circle cx=\"165\" cy=\"72\" r=\"12\" fill=\"#fff\" stroke=\"#333\"/>").append(text(165, 76, "+", "middle", true));
        s.append(text(182, 76, "sum: dSum " + Html.num(b.dSum().l2Norm()), "start", false));
        // the split: both branches receive dSum
        s.append(arrow(155, 82, 80, 118, b.dSum().l2Norm(), max, "#c0392b"));
        s.append(arrow(175, 82, 250, 118, b.dSum().l2Norm(), max, "#2471a3"));
        s.append(box(20, 120, 120, 44, "#fdecea", "residual branch", "conv-bn-relu-conv-bn"));
        s.append(box(190, 120, 120, 44, "#eaf2fb", "shortcut", shortName(b.shortcut())));
        // what each branch sends back to the input
        s.append(arrow(80, 166, 155, 214, b.dxMain().l2Norm(), max, "#c0392b"));
        s.append(arrow(250, 166, 175, 214, b.dxShortcut().l2Norm(), max, "#2471a3"));
        s.append(text(8, 212, "dxMain " + Html.num(b.dxMain().l2Norm()), "start", false));
        s.append(text(322, 212, "dxShortcut " + Html.num(b.dxShortcut().l2Norm()), "end", false));
        s.append("<circle cx=\"165\" cy=\"226\" r=\"12\" fill=\"#fff\" stroke=\"#333\"/>").append(text(165, 230, "+", "middle", true));
        s.append(text(165, 256, "block input: dx = dxMain + dxShortcut, norm " + Html.num(b.dx().l2Norm()), "middle", false));
        s.append("</svg>");
        return s.toString();
    }

    private static String shortName(String shortcut) {
        return shortcut.length() > 22 ? shortcut.substring(0, 21) + "\u2026" : shortcut;
    }

    private static String arrow(double x1, double y1, double x2, double y2, double norm, double max, String color) {
        double w = max > 0 ? 1 + 7 * norm / max : 1;
        return String.format(java.util.Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.2f\" stroke-opacity=\"0.75\" "
                        + "marker-end=\"url(#ah)\"/>", x1, y1, x2, y2, color, w);
    }

    private static String box(int x, int y, int w, int h, String fill, String title, String sub) {
        return "<rect x=\"" + x + "\" y=\"" + y + "\" width=\"" + w + "\" height=\"" + h + "\" rx=\"5\" fill=\"" + fill
                + "\" stroke=\"#888\"/>" + text(x + w / 2.0, y + 18, title, "middle", true) + text(x + w / 2.0, y + 34, sub, "middle", false);
    }

    private static String text(double x, double y, String t, String anchor, boolean bold) {
        return String.format(java.util.Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>", x, y, anchor,
                bold ? " font-weight=\"bold\"" : "", Html.esc(t));
    }
}
