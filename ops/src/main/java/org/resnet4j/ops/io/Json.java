package org.resnet4j.ops.io;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON parser and string quoter for safetensors headers (RFC 8259, no extensions).
 *
 * <p>Values map to Java as: object to {@code Map<String, Object>} (insertion order kept), array to
 * {@code List<Object>}, string to {@code String}, number to {@code Long} when it is an integer that
 * fits, else {@code Double}; {@code true/false} to {@code Boolean}, {@code null} to {@link #NULL}.
 * Duplicate keys, trailing commas, comments, leading zeros, lone surrogates in escapes and anything
 * after the value (other than whitespace) are errors. Nesting is limited so a hostile header cannot
 * overflow the stack.
 */
final class Json {
    /** The JSON {@code null} value (maps cannot hold Java null as a distinguishable value). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    static final int MAX_DEPTH = 64;

    /** A syntax error with the character offset where it was found. */
    static final class ParseException extends Exception {
        ParseException(String message, int offset) {
            super(message + " at character " + offset);
        }
    }

    private final String s;
    private int pos;

    private Json(String s) {
        this.s = s;
    }

    static Object parse(String text) throws ParseException {
        Json p = new Json(text);
        p.skipWhitespace();
        Object v = p.value(0);
        p.skipWhitespace();
        if (p.pos != p.s.length()) throw new ParseException("unexpected text after the JSON value", p.pos);
        return v;
    }

    private Object value(int depth) throws ParseException {
        if (depth > MAX_DEPTH) throw new ParseException("nesting deeper than " + MAX_DEPTH + " levels", pos);
        if (pos >= s.length()) throw new ParseException("unexpected end of JSON", pos);
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw new ParseException("unexpected character '" + printable(c) + "'", pos);
            }
        };
    }

    private Map<String, Object> object(int depth) throws ParseException {
        pos++; // '{'
        Map<String, Object> out = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return out;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') throw new ParseException("expected a string key", pos);
            int keyPos = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object v = value(depth + 1);
            if (out.containsKey(key)) throw new ParseException("duplicate key \"" + key + "\"", keyPos);
            out.put(key, v);
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return out;
            } else {
                throw new ParseException("expected ',' or '}' in an object", pos);
            }
        }
    }

    private List<Object> array(int depth) throws ParseException {
        pos++; // '['
        List<Object> out = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(out);
        }
        while (true) {
            skipWhitespace();
            out.add(value(depth + 1));
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return Collections.unmodifiableList(out);
            } else {
                throw new ParseException("expected ',' or ']' in an array", pos);
            }
        }
    }

    private String string() throws ParseException {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw new ParseException("unterminated string", pos);
            char c = s.charAt(pos++);
            if (c == '"') return sb.toString();
            if (c < 0x20) throw new ParseException("unescaped control character in a string", pos - 1);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= s.length()) throw new ParseException("unterminated escape", pos);
            char e = s.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = hex4();
                    if (Character.isHighSurrogate(u)) {
                        if (pos + 1 < s.length() && s.charAt(pos) == '\\' && s.charAt(pos + 1) == 'u') {
                            pos += 2;
                            char low = hex4();
                            if (!Character.isLowSurrogate(low)) throw new ParseException("invalid surrogate pair", pos);
                            sb.append(u).append(low);
                        } else {
                            throw new ParseException("lone high surrogate", pos);
                        }
                    } else if (Character.isLowSurrogate(u)) {
                        throw new ParseException("lone low surrogate", pos);
                    } else {
                        sb.append(u);
                    }
                }
                default -> throw new ParseException("invalid escape '\\" + printable(e) + "'", pos - 1);
            }
        }
    }

    private char hex4() throws ParseException {
        if (pos + 4 > s.length()) throw new ParseException("truncated \\u escape", pos);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) throw new ParseException("invalid hex digit in \\u escape", pos + i);
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Object number() throws ParseException {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) throw new ParseException("leading zero in a number", pos);
        } else if (isDigit(peek())) {
            while (isDigit(peek())) pos++;
        } else {
            throw new ParseException("expected a digit", pos);
        }
        boolean integer = true;
        if (peek() == '.') {
            integer = false;
            pos++;
            if (!isDigit(peek())) throw new ParseException("expected a digit after '.'", pos);
            while (isDigit(peek())) pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!isDigit(peek())) throw new ParseException("expected a digit in the exponent", pos);
            while (isDigit(peek())) pos++;
        }
        String text = s.substring(start, pos);
        if (integer) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException tooBig) {
                return Double.parseDouble(text);
            }
        }
        return Double.parseDouble(text);
    }

    private Object literal(String word, Object v) throws ParseException {
        if (!s.startsWith(word, pos)) throw new ParseException("invalid literal (expected " + word + ")", pos);
        pos += word.length();
        return v;
    }

    private void expect(char c) throws ParseException {
        if (peek() != c) throw new ParseException("expected '" + c + "'", pos);
        pos++;
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void skipWhitespace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
            else return;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String printableAll(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), 80); i++) sb.append(printable(s.charAt(i)));
        return s.length() > 80 ? sb.append("...").toString() : sb.toString();
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    /**
     * Appends {@code value} as a JSON string literal, escaping as Python's json.dumps(ensure_ascii=True) does.
     * A string with a lone surrogate is refused: its escape would be written, but no strict reader (ours
     * included) reads it back, and it has no UTF-8 form.
     */
    static void quote(StringBuilder sb, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))
                    : !Character.isLowSurrogate(c) || i > 0 && Character.isHighSurrogate(value.charAt(i - 1));
            if (!paired) {
                throw new IllegalArgumentException("the string \"" + printableAll(value) + "\" has a lone surrogate (\\u"
                        + String.format("%04x", (int) c) + ") at index " + i + ", which JSON cannot carry; "
                        + "give a valid Unicode string (every surrogate in a pair)");
            }
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
