package org.resnet4j.app.gradflow;

import java.util.Base64;
import java.util.Locale;

/** Small helpers for the self-contained report pages. */
final class Html {
    private Html() {}

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String img(byte[] png, String alt) {
        return "<img style=\"max-width:100%\" alt=\"" + esc(alt) + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png) + "\">";
    }

    /** Three significant digits in scientific notation, e.g. 3.14e-02. */
    static String num(double v) {
        if (Double.isNaN(v)) return "n/a";
        return String.format(Locale.ROOT, "%.3e", v);
    }

    static String pct(double v) {
        if (Double.isNaN(v)) return "n/a";
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    static String head(String title) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>\n<style>"
                + "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
                + "table{border-collapse:collapse;margin:0.5em 0 1.2em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
                + "th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}.blocks{display:flex;flex-wrap:wrap;gap:8px}"
                + ".note{background:#f7f7ff;border-left:4px solid #88f;padding:0.5em 1em}code{background:#f4f4f4;padding:0 3px}"
                + "</style></head><body>\n<h1>" + esc(title) + "</h1>\n";
    }

    static String tail() {
        return "</body></html>\n";
    }
}
