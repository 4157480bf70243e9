package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.ScmState;
import org.junit.jupiter.api.Test;

class JsonWriterTest {

    private static String str(String s) {
        return new JsonWriter().value(s).toString();
    }

    @Test
    void escapesQuotesBackslashesAndEveryControlCharacter() {
        assertEquals("\"a\\\"b\\\\c/d\"", str("a\"b\\c/d"));
        assertEquals("\"\\n\\r\\t\\b\\f\"", str("\n\r\t\b\f"));
        assertEquals("\"\\u0000\\u0001\\u001f\"", str("\u0000\u0001\u001f"));
        assertEquals("\" \"", str(" ")); // 0x20 is the first character that needs no escape
        for (char c = 0; c < 0x20; c++) {
            String s = "x" + c + "y";
            assertEquals(s, MiniJson.parse(str(s)), "control character " + (int) c);
        }
    }

    @Test
    void writesNonAsciiAsIsAndEscapesOnlyWhatUtf8CannotCarry() {
        assertEquals("\"Zürich — 東京 \uD83D\uDE00\"", str("Zürich — 東京 \uD83D\uDE00"));
        assertEquals("\"\\u2028\\u2029\"", str("\u2028\u2029"));
        assertEquals("\"a\\ud83db\"", str("a\uD83Db"));      // lone high surrogate
        assertEquals("\"\\ude00\"", str("\uDE00"));           // lone low surrogate
        assertEquals("a\uD83Db", MiniJson.parse(str("a\uD83Db")));
    }

    @Test
    void nestsObjectsAndArraysWithCommasOnlyBetweenElements() {
        String json = new JsonWriter().beginObject()
                .name("a").beginArray().endArray()
                .name("b").beginObject().endObject()
                .name("c").beginArray().value(1).beginArray().value("x").value(true).endArray()
                .beginObject().name("d").nullValue().endObject().endArray()
                .endObject().toString();
        assertEquals("{\"a\":[],\"b\":{},\"c\":[1,[\"x\",true],{\"d\":null}]}", json);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", List.of());
        expected.put("b", Map.of());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("d", null);
        expected.put("c", Arrays.asList(1L, List.of("x", true), d));
        assertEquals(expected, MiniJson.parse(json));
    }

    @Test
    void writesNullsForAbsentValues() {
        String json = new JsonWriter().beginObject()
                .name("s").value((String) null)
                .name("e").value((ScmState) null)
                .name("t").value((Instant) null)
                .endObject().toString();
        assertEquals("{\"s\":null,\"e\":null,\"t\":null}", json);
        assertNull(MiniJson.object(json).get("s"));
    }

    @Test
    void writesNumbersThatParseBackExactly() {
        String json = new JsonWriter().beginArray()
                .value(0).value(-1).value(Long.MAX_VALUE).value(Long.MIN_VALUE)
                .value(2.5).value(3.0).value(-1.0e-7).value(Double.NaN).value(Double.POSITIVE_INFINITY)
                .endArray().toString();
        assertEquals("[0,-1,9223372036854775807,-9223372036854775808,2.5,3,-1.0E-7,null,null]", json);
        assertEquals(Arrays.asList(0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 2.5, 3L, -1.0e-7, null, null),
                MiniJson.parse(json));
    }

    @Test
    void writesEnumsByNameAndInstantsAsIso8601() {
        String json = new JsonWriter().beginObject()
                .name("state").value(ScmState.DEGRADED)
                .name("t").value(Instant.parse("2026-11-25T10:15:30.123Z"))
                .endObject().toString();
        assertEquals("{\"state\":\"DEGRADED\",\"t\":\"2026-11-25T10:15:30.123Z\"}", json);
    }

    @Test
    void escapesMemberNamesToo() {
        assertEquals("{\"a\\\"\\n\":1}", new JsonWriter().beginObject().name("a\"\n").value(1).endObject().toString());
    }

    @Test
    void refusesMisuseInsteadOfWritingABrokenDocument() {
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().value(1));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().name("a").name("b"));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().name("a").endObject());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().name("a"));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().endObject());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().endArray());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().toString());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().toString());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().value(1).value(2));
        assertThrows(IllegalArgumentException.class, () -> new JsonWriter().beginObject().name(null));
    }
}
