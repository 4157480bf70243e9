package org.hasm.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TypedTest {

    @interface Config {
        String PREFIX_ = "x.";

        long interval_ms() default 50;

        int counter__start() default 4;

        boolean fsync() default false;

        String fence$_$agent() default "none";

        String[] names() default {};
    }

    @Test
    void keysFollowTheDeclarativeServicesNaming() {
        assertEquals("interval.ms", Typed.key("interval_ms"));
        assertEquals("counter_start", Typed.key("counter__start"));
        assertEquals("fence-agent", Typed.key("fence$_$agent"));
        assertEquals("a$b", Typed.key("a$$b"));
        assertEquals("ab", Typed.key("a$b"));
    }

    @Test
    void missingKeysGiveTheDefaultsAndTextIsConverted() {
        Config c = Typed.of(Config.class, Map.of("x.interval.ms", " 1000 ", "x.fsync", "TRUE", "x.names", "a"));
        assertEquals(1000, c.interval_ms());
        assertEquals(4, c.counter__start());
        assertTrue(c.fsync());
        assertEquals("none", c.fence$_$agent());
        assertArrayEquals(new String[] {"a"}, c.names());
        Config d = Typed.of(Config.class, Map.of("x.counter_start", 7L, "x.names", List.of("a", "b")));
        assertEquals(7, d.counter__start());
        assertArrayEquals(new String[] {"a", "b"}, d.names());
        assertFalse(d.fsync());
    }

    @Test
    void aValueThatIsNotOfItsTypeNamesTheKey() {
        Config c = Typed.of(Config.class, Map.of("x.interval.ms", "abc", "x.fsync", "yes", "x.counter_start", 1L << 40));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::interval_ms);
        assertEquals("x.interval.ms=abc is not a whole number", e.getMessage());
        assertEquals("x.fsync=yes is neither true nor false",
                assertThrows(IllegalArgumentException.class, c::fsync).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, c::counter__start).getMessage()
                .startsWith("x.counter_start=1099511627776 is out of range"));
    }
}
