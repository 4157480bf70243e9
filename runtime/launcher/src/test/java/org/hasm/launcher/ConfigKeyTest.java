package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigKeyTest {

    @Test
    void aPidIsASingletonConfiguration() {
        ConfigKey key = ConfigKey.parse("org.hasm.controller");
        assertEquals("org.hasm.controller", key.pid());
        assertNull(key.name());
        assertFalse(key.isFactory());
        assertEquals("org.hasm.controller", key.toString());
    }

    @Test
    void aTildeSeparatesFactoryPidAndName() {
        ConfigKey key = ConfigKey.parse("org.hasm.personality~a");
        assertEquals("org.hasm.personality", key.pid());
        assertEquals("a", key.name());
        assertTrue(key.isFactory());
        assertEquals("org.hasm.personality~a", key.toString());
        assertEquals("web-1.b", ConfigKey.parse("f~web-1.b").name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a..b", ".a", "a.", "a b", "a/b", "~a", "ä"})
    void rejectsInvalidPids(String pid) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigKey.parse(pid));
        assertTrue(e.getMessage().contains("is not a valid"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"f~", "f~a~b", "f~a b", "f~.a"})
    void rejectsInvalidFactoryNames(String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigKey.parse(key));
        assertTrue(e.getMessage().contains("is not a valid configuration name in '" + key + "'"), e.getMessage());
    }
}
