package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigValuesTest {

    private static Object one(String key, Object json) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put(key, json);
        Map<String, Object> out = ConfigValues.convert(in);
        assertEquals(1, out.size());
        return out.values().iterator().next();
    }

    private static String error(String key, Object json) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put(key, json);
        return assertThrows(IllegalArgumentException.class, () -> ConfigValues.convert(in)).getMessage();
    }

    @Test
    void typeSuffixIsRemovedFromTheKey() {
        Map<String, Object> out = ConfigValues.convert(Map.of("deadline.init.ms:Long", 10000L));
        assertEquals(Map.of("deadline.init.ms", 10000L), out);
    }

    @Test
    void scalarsConvertToTheirType() {
        assertEquals(1000, one("n:Integer", 1000L));
        assertEquals(1000, one("n:int", "1000"));
        assertEquals(7L, one("n:Long", "7"));
        assertEquals((short) 3, one("n:Short", 3L));
        assertEquals((byte) -3, one("n:byte", -3L));
        assertEquals(1.5d, one("n:Double", 1.5d));
        assertEquals(2.0d, one("n:Double", 2L));
        assertEquals(1.5f, one("n:Float", 1.5d));
        assertEquals(Boolean.TRUE, one("b:Boolean", true));
        assertEquals(Boolean.FALSE, one("b:boolean", "false"));
        assertEquals('x', one("c:Character", "x"));
        assertEquals("42", one("s:String", 42L));
    }

    @Test
    void untypedValuesKeepTheirJsonType() {
        assertEquals("text", one("s", "text"));
        assertEquals(5L, one("n", 5L));
        assertEquals(0.5d, one("d", 0.5d));
        assertEquals(Boolean.TRUE, one("b", true));
        assertArrayEquals(new String[] {"a", "b"}, (String[]) one("list", List.of("a", "b")));
        assertArrayEquals(new Long[] {1L, 2L}, (Long[]) one("list", List.of(1L, 2L)));
        assertArrayEquals(new Double[] {1.0, 2.5}, (Double[]) one("list", List.of(1L, 2.5d)));
        assertArrayEquals(new Boolean[] {true}, (Boolean[]) one("list", List.of(true)));
        assertArrayEquals(new String[0], (String[]) one("list", List.of()));
    }

    @Test
    void arraysAndCollectionsOfATypedElement() {
        assertArrayEquals(new int[] {1, 2}, (int[]) one("a:int[]", List.of(1L, 2L)));
        assertArrayEquals(new Long[] {1L, 2L}, (Long[]) one("a:Long[]", List.of(1L, "2")));
        assertEquals(Arrays.asList("a", "b"), one("c:Collection<String>", List.of("a", "b")));
        assertEquals(Arrays.asList(1, 2), one("c:Collection<Integer>", List.of(1L, 2L)));
    }

    @Test
    void wrongValuesNameTheKey() {
        assertEquals("\"n:Integer\": '3000000000' is not a valid Integer", error("n:Integer", 3000000000L));
        assertEquals("\"n:Long\": 'ten' is not a valid Long", error("n:Long", "ten"));
        assertEquals("\"n:Long\": '1.5' is not a valid Long", error("n:Long", 1.5d));
        assertEquals("\"b:Boolean\": 'yes' is not a valid Boolean", error("b:Boolean", "yes"));
        assertEquals("\"c:char\": 'xy' is not a valid char", error("c:char", "xy"));
        assertEquals("\"n:Byte\": '300' is not a valid Byte", error("n:Byte", 300L));
        assertEquals("\"a:int[]\": expected a JSON array", error("a:int[]", 1L));
        assertEquals("\"n\": null is not a configuration value", error("n", null));
        assertEquals("\"o\": an object is not a configuration value", error("o", Map.of()));
        assertEquals("':Long' has no property name", error(":Long", 1L));
    }

    @Test
    void unknownTypesAndMixedArraysAreRejected() {
        String unknown = error("n:Lng", 1L);
        assertEquals("\"n:Lng\": 'Lng' is not a type (expected String, Integer, Long, Float, Double, Byte, Short,"
                + " Character, Boolean, a primitive, T[] or Collection<T>)", unknown);
        String mixed = error("list", List.of("a", 1L));
        assertEquals("\"list\": an array without a type must hold only strings, only numbers or only booleans"
                + " (add a type to the key, e.g. \"name:String[]\")", mixed);
    }

    @Test
    void aPropertyGivenTwiceWithDifferentTypesIsRejected() {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("n:Long", 1L);
        in.put("n:Integer", 1L);
        assertEquals("\"n:Integer\": is given twice",
                assertThrows(IllegalArgumentException.class, () -> ConfigValues.convert(in)).getMessage());
    }
}
