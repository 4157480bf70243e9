package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HasmCtlEventsTest {

    @Test
    void eventsTakesAfterTopicFollowAndJson() throws Exception {
        assertEquals(new HasmCtl.Request(HasmCtl.DEFAULT_NODE, null, null, "events", true, 41L, null, null, null, true,
                "org/hasm/health/*", null, null, null, false, null), HasmCtl.parse(new String[] {"events", "--after", "41", "--topic",
                "org/hasm/health/*", "--follow", "--json"}));
        assertEquals(new HasmCtl.Request(HasmCtl.DEFAULT_NODE, null, null, "events", false, null, null, null, null),
                HasmCtl.parse(new String[] {"events"}));
    }

    @Test
    void followAndTopicAreForEventsOnly() {
        LaunchException follow = assertThrows(LaunchException.class, () -> HasmCtl.parse(new String[] {"status", "--follow"}));
        assertEquals("--follow is for events only", follow.getMessage());
        LaunchException topic = assertThrows(LaunchException.class,
                () -> HasmCtl.parse(new String[] {"journal", "--topic", "x"}));
        assertEquals("--topic is for events only", topic.getMessage());
    }

    @Test
    void anEventIsOneLineWithItsPropertiesSorted() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("scm", "scm-b");
        props.put("problem", "the data folder /d has 3 MiB free");
        props.put("check", "disk.data");
        Map<String, Object> event = Map.of("id", 12, "scm", "scm-b", "sequence", 7, "time", "2026-12-03T07:00:01Z",
                "topic", "org/hasm/health/PROBLEM", "properties", props);
        assertEquals("2026-12-03T07:00:01Z scm-b#7 org/hasm/health/PROBLEM check=disk.data"
                + " problem='the data folder /d has 3 MiB free'", EventsCommand.line(event));
    }
}
