package org.hasm.admin.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A small streaming JSON writer (RFC 8259). Written here rather than taken from a library so that
 * the admin bundle imports nothing but the servlet API and starts fast: the admin API must come up
 * even when everything else on the SCM is broken (MONITOR).
 *
 * <p>Strings escape {@code "}, {@code \} and every control character below U+0020; everything
 * else, non-ASCII included, is written as is (the response is UTF-8). Misuse (a value where a name
 * is due, an unclosed container) throws {@link IllegalStateException} so that a bug never produces
 * a document that clients misread. Not thread-safe: one writer per response.
 */
final class JsonWriter {

    /** What the writer expects next inside one open container. */
    private enum Scope {
        /** In an array: a value (with a comma before every one but the first). */
        ARRAY,
        /** In an object, before a name. */
        OBJECT_NAME,
        /** In an object, after a name: its value. */
        OBJECT_VALUE
    }

    private final StringBuilder out = new StringBuilder(256);
    private final Deque<Scope> scopes = new ArrayDeque<>();
    // Whether the innermost container already holds an element: decides the comma.
    private final Deque<Boolean> nonEmpty = new ArrayDeque<>();
    private boolean done;

    JsonWriter beginObject() {
        beforeValue();
        out.append('{');
        push(Scope.OBJECT_NAME);
        return this;
    }

    JsonWriter endObject() {
        if (scopes.peek() != Scope.OBJECT_NAME) {
            throw new IllegalStateException("endObject outside an object or after a name");
        }
        pop();
        out.append('}');
        return this;
    }

    JsonWriter beginArray() {
        beforeValue();
        out.append('[');
        push(Scope.ARRAY);
        return this;
    }

    JsonWriter endArray() {
        if (scopes.peek() != Scope.ARRAY) {
            throw new IllegalStateException("endArray outside an array");
        }
        pop();
        out.append(']');
        return this;
    }

    JsonWriter name(String name) {
        if (scopes.peek() != Scope.OBJECT_NAME) {
            throw new IllegalStateException("name '" + name + "' outside an object or twice in a row");
        }
        if (name == null) {
            throw new IllegalArgumentException("a member name cannot be null");
        }
        comma();
        string(name);
        out.append(':');
        scopes.pop();
        scopes.push(Scope.OBJECT_VALUE);
        return this;
    }

    JsonWriter value(String s) {
        beforeValue();
        if (s == null) {
            out.append("null");
        } else {
            string(s);
        }
        return this;
    }

    JsonWriter value(long n) {
        beforeValue();
        out.append(n);
        return this;
    }

    JsonWriter value(boolean b) {
        beforeValue();
        out.append(b);
        return this;
    }

    /** Writes a finite double; NaN and infinities have no JSON form and become {@code null}. */
    JsonWriter value(double d) {
        beforeValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            out.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            out.append((long) d); // 3.0 reads better as 3, and parses back to the same number
        } else {
            out.append(d);
        }
        return this;
    }

    /** Writes an enum constant's name, or {@code null}. */
    JsonWriter value(Enum<?> e) {
        return value(e == null ? null : e.name());
    }

    /** Writes an instant as ISO-8601 UTC ({@code 2026-11-25T10:15:30.123Z}), or {@code null}. */
    JsonWriter value(Instant t) {
        return value(t == null ? null : t.toString());
    }

    JsonWriter nullValue() {
        beforeValue();
        out.append("null");
        return this;
    }

    /** @return the document; throws if a container is still open or nothing was written */
    @Override
    public String toString() {
        if (!scopes.isEmpty() || !done) {
            throw new IllegalStateException("the JSON document is incomplete");
        }
        return out.toString();
    }

    private void beforeValue() {
        Scope s = scopes.peek();
        if (s == null) {
            if (done) {
                throw new IllegalStateException("a JSON document has one top-level value");
            }
            done = true;
        } else if (s == Scope.ARRAY) {
            comma();
        } else if (s == Scope.OBJECT_VALUE) {
            scopes.pop();
            scopes.push(Scope.OBJECT_NAME);
        } else {
            throw new IllegalStateException("a value inside an object needs a name first");
        }
    }

    private void comma() {
        if (nonEmpty.pop()) {
            out.append(',');
        }
        nonEmpty.push(Boolean.TRUE);
    }

    private void push(Scope s) {
        scopes.push(s);
        nonEmpty.push(Boolean.FALSE);
    }

    private void pop() {
        scopes.pop();
        nonEmpty.pop();
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || loneSurrogate(s, i)) {
                        // RFC 8259 requires the controls; U+2028/9 are escaped too because they
                        // end a line in JavaScript, where these documents are also read; a lone
                        // surrogate has no UTF-8 form, so the escape is the only lossless way.
                        out.append("\\u").append(String.format("%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean loneSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }
}
