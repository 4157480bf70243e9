package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefusalLogTest {

    private long now = 1_000;
    private final List<String> lines = new ArrayList<>();
    private final RefusalLog log = new RefusalLog(lines::add, 10_000, () -> now);

    private void refuse(String path) {
        log.refused(new AdminApi.Request("POST", path, "127.0.0.1:4000", h -> null, p -> null),
                401, "credentials required");
    }

    @Test
    void aFloodOfRefusalsIsOneLinePerWindowWithTheCountOfTheRest() {
        refuse("/commands/shutdown");
        for (int i = 0; i < 500; i++) {
            now += 10;
            refuse("/commands/reset");
        }
        assertEquals(List.of("admin API: refused POST /hasm/api/v1/commands/shutdown from 127.0.0.1:4000: 401 credentials"
                + " required"), lines);
        now += 10_000;
        refuse("/commands/surrender\n forged line");
        assertEquals(2, lines.size());
        assertEquals("admin API: refused POST /hasm/api/v1/commands/surrender  forged line from 127.0.0.1:4000: 401"
                + " credentials required (500 more refused before this one, not logged)", lines.get(1));
        now += 10_000;
        refuse("/status");
        assertEquals("admin API: refused POST /hasm/api/v1/status from 127.0.0.1:4000: 401 credentials required",
                lines.get(2));
    }
}
