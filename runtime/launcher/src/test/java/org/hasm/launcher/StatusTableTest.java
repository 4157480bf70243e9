package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The text hasmctl prints from the admin API's documents. */
class StatusTableTest {

    private static final String DOCUMENT = """
            {
              "node": "scm-a", "configuredRole": "MASTER", "state": "DEGRADED", "opMode": "MASTER",
              "sysConfig": "DEGRADED", "reason": "serving the peer's personality too: scm-b is dead (FENCED)",
              "since": "2026-11-25T09:59:59.750Z",
              "peer": {"name": "scm-b", "alive": false, "verdict": "FENCED", "state": "DAC", "opMode": "SLAVE",
                       "configuredRole": "SLAVE", "incarnation": 42, "lastHeard": "2026-11-25T09:59:48Z",
                       "lastKnown": true, "stateAsOf": "2026-11-25T09:59:48Z"},
              "channels": [
                {"name": "link", "kind": "status", "status": "BAD", "sent": 100, "received": 90, "missed": 10, "rejected": 2, "dropped": 5, "errors": 1, "counter": 0,
                 "note": "nothing received from scm-b since 2026-11-25T09:59:48Z"},
                {"name": "host", "kind": "link", "status": "GOOD", "sent": 7, "received": 6, "missed": 0, "rejected": 0, "dropped": 0, "errors": 3, "counter": 0}
              ],
              "personalities": [
                {"name": "A", "home": "scm-a", "addresses": ["127.0.10.1"]},
                {"name": "B", "home": "scm-b", "addresses": ["127.0.10.2", "127.0.10.3"]}
              ],
              "modules": [
                {"name": "status", "tier": "hasm", "rank": 10, "bundle": "org.hasm.status", "version": "1.0.0",
                 "status": "ACTIVE", "lastCall": "OPMODE", "lastError": null, "since": "2026-11-25T10:00:00Z"},
                {"name": "example", "tier": "service", "rank": 100, "bundle": "org.hasm.example", "version": "1.0.0",
                 "status": "FAILED", "lastCall": "TEST", "lastError": "port 9000 in use", "since": "2026-11-25T10:00:00Z"}
              ],
              "time": "2026-11-25T10:00:00Z"
            }
            """;

    @SuppressWarnings("unchecked")
    private static Map<String, ?> parse(String json) throws LaunchException {
        return (Map<String, ?>) Json.parse(json, "test");
    }

    @Test
    void statusDocumentBecomesHeaderAndOneTablePerList() throws Exception {
        String expected = """
                node    scm-a (configured MASTER)
                state   DEGRADED   opMode MASTER   sysConfig DEGRADED   since 2026-11-25T09:59:59.750Z (250 ms ago)
                reason  serving the peer's personality too: scm-b is dead (FENCED)
                peer    scm-b   NOT ALIVE (FENCED)   state DAC (last known, 12 s ago)   opMode SLAVE   configured SLAVE   incarnation 42   last heard 2026-11-25T09:59:48Z
                time    2026-11-25T10:00:00Z

                CHANNEL  KIND    STATUS  COUNTER  SENT  RECEIVED  MISSED  REJECTED  DROPPED  ERRORS  NOTE
                link     status  BAD     0        100   90        10      2         5        1       nothing received from scm-b since 2026-11-25T09:59:48Z
                host     link    GOOD    0        7     6         0       0         0        3       -

                PERSONALITY  HOME   ADDRESSES
                A            scm-a  127.0.10.1
                B            scm-b  127.0.10.2,127.0.10.3

                MODULE   TIER     RANK  BUNDLE            VERSION  STATUS  LAST CALL  ERROR
                status   hasm     10    org.hasm.status   1.0.0    ACTIVE  OPMODE     -
                example  service  100   org.hasm.example  1.0.0    FAILED  TEST       port 9000 in use
                """;
        assertEquals(expected, StatusTable.status(parse(DOCUMENT)));
    }

    @Test
    void standaloneDocumentSaysSoAndMissingFieldsShowAsDash() throws Exception {
        String text = StatusTable.status(parse("""
                {"node": "scm-a", "state": "DAC", "peer": {"name": null, "alive": false},
                 "channels": [], "personalities": [], "modules": [{"name": "x"}], "futureField": 1}
                """));
        assertTrue(text.contains("peer    none (standalone)\n"), text);
        assertTrue(text.contains("node    scm-a (configured -)\n"), text);
        assertTrue(text.contains("channels: none (no peer is watched)\n"), text);
        assertTrue(text.contains("personalities: none served\n"), text);
        assertTrue(text.contains("x       -     -     -       -        -       -          -\n"), text);
        assertTrue(!text.contains("hasm") && !text.contains("versions"), "a release before versions says none: " + text);
    }

    @Test
    void journalIsOneRowPerCall() throws Exception {
        List<?> entries = (List<?>) Json.parse("""
                [{"sequence": 121, "module": "example", "call": "STOP", "opMode": null, "sysConfig": null,
                  "outcome": "TIMED_OUT", "error": "no return within 10000 ms", "started": "2026-11-25T09:00:00.001Z", "millis": 10000}]
                """, "test");
        assertEquals("""
                SEQ  STARTED                   MODULE   VERSION  CALL  OPMODE  SYSCONFIG  OUTCOME    MS     ERROR
                121  2026-11-25T09:00:00.001Z  example  -        STOP  -       -          TIMED_OUT  10000  no return within 10000 ms
                """, StatusTable.journal(entries));
        assertEquals("journal: no entries\n", StatusTable.journal(List.of()));
    }

    @Test
    void bothReleasesOfAPairInTheMiddleOfAnUpgradeAreShownAndTheJournalSaysWhichBuildWasCalled() throws Exception {
        String text = StatusTable.status(parse(DOCUMENT.replace("\"configuredRole\": \"MASTER\",",
                "\"configuredRole\": \"MASTER\", \"version\": \"1.0.0\",").replace("\"incarnation\": 42,",
                "\"incarnation\": 42, \"version\": \"1.1.0\",")));
        assertTrue(text.contains("node      scm-a (configured MASTER)   hasm 1.0.0\n"), text);
        assertTrue(text.contains("last heard 2026-11-25T09:59:48Z   hasm 1.1.0\n"), text);
        assertTrue(text.contains("versions  MIXED: scm-a 1.0.0, scm-b 1.1.0 (one SCM upgraded, the other not yet)\n"), text);
        String same = StatusTable.status(parse(DOCUMENT.replace("\"configuredRole\": \"MASTER\",",
                "\"configuredRole\": \"MASTER\", \"version\": \"1.1.0\",").replace("\"incarnation\": 42,",
                "\"incarnation\": 42, \"version\": \"1.1.0\",")));
        assertTrue(!same.contains("versions"), same);

        List<?> entries = (List<?>) Json.parse("""
                [{"sequence": 7, "module": "example", "call": "INIT", "outcome": "PASSED", "millis": 3,
                  "bundle": "org.hasm.example", "version": "1.0.0"},
                 {"sequence": 9, "module": "example", "call": "INIT", "outcome": "PASSED", "millis": 2,
                  "bundle": "org.hasm.example", "version": "1.0.1"}]
                """, "test");
        String journal = StatusTable.journal(entries);
        assertTrue(journal.contains("7    -        example  1.0.0    INIT"), journal);
        assertTrue(journal.contains("9    -        example  1.0.1    INIT"), journal);
    }
}
