package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConfigCommandTest {

    @Test
    void aValueWithALineBreakIsRefusedNamingItNotSplitIntoASecondKey() throws Exception {
        ConfigCommand.parse(new String[] {"set", "org.hasm.controller", "deadline.opmode.ms=12000"});
        for (String broken : new String[] {"deadline.opmode.ms=12000\nfoo.bar=x", "deadline.opmode.ms=12000\r"}) {
            LaunchException e = assertThrows(LaunchException.class,
                    () -> ConfigCommand.parse(new String[] {"set", "org.hasm.controller", broken}));
            assertTrue(e.getMessage().startsWith("config set: 'deadline.opmode.ms=12000\\")
                    && e.getMessage().endsWith("' holds a line break; a value is one line"), e.getMessage());
        }
    }
}
