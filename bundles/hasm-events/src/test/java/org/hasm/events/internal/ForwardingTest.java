package org.hasm.events.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardingTest {
    @TempDir
    Path dir;

    /** One round over a link that may lose the push, lose the answer, or deliver the answer twice. */
    private static void round(Forwarding.Sender sender, String self, EventLog peer, String fault) throws IOException {
        byte[] push = Forwarding.push(self, sender.batch());
        if (fault.equals("push lost")) {
            sender.lost();
            return;
        }
        byte[] answer = Forwarding.receive(peer, "scm-a", push);
        switch (fault) {
            case "answer lost" -> sender.lost();
            case "answer twice" -> {
                long high = Forwarding.answer(answer);
                sender.acked(high);
                sender.acked(high);
            }
            default -> sender.acked(Forwarding.answer(answer));
        }
    }

    @Test
    void everyEventArrivesOnceWhatEverIsLostOrDuplicatedOnTheWay() throws IOException {
        try (EventLog b = new EventLog(dir.resolve("b"), 4096, 8); EventLog a = new EventLog(dir.resolve("a"), 1 << 20, 4)) {
            Forwarding.Sender sender = new Forwarding.Sender("scm-b", b, 7);
            String[] faults = {"none", "push lost", "answer lost", "answer twice", "none", "answer lost", "none"};
            long seq = 0;
            for (int i = 0; i < 60; i++) {
                // events keep coming on scm-b while it forwards
                for (int k = 0; k < i % 4; k++) {
                    b.append(EventLogTest.event("scm-b", ++seq));
                }
                a.append(EventLogTest.event("scm-a", i + 1)); // the receiver's own events interleave
                round(sender, "scm-b", a, faults[i % faults.length]);
            }
            for (int i = 0; i < 40 && sender.acked() < seq; i++) {
                round(sender, "scm-b", a, "none");
            }
            List<Long> got = a.read(-1, r -> r.scm().equals("scm-b"), 10_000).stream().map(Record::sequence).toList();
            assertEquals(LongStream.rangeClosed(1, seq).boxed().toList(), got);
            assertEquals(seq, sender.acked());
        }
    }

    @Test
    void aReceiverThatLostItsLogGetsEverythingTheSenderStillHas() throws IOException {
        try (EventLog b = new EventLog(dir.resolve("b"), 1 << 20, 4)) {
            Forwarding.Sender sender = new Forwarding.Sender("scm-b", b, 100);
            for (long s = 1; s <= 10; s++) {
                b.append(EventLogTest.event("scm-b", s));
            }
            try (EventLog a = new EventLog(dir.resolve("a1"), 1 << 20, 4)) {
                for (int i = 0; i < 3; i++) {
                    round(sender, "scm-b", a, "none");
                }
                assertEquals(10, a.highest("scm-b"));
            }
            try (EventLog fresh = new EventLog(dir.resolve("a2"), 1 << 20, 4)) {
                for (int i = 0; i < 3; i++) {
                    round(sender, "scm-b", fresh, "none");
                }
                assertEquals(10, fresh.read(-1, r -> true, 100).size());
            }
        }
    }

    @Test
    void aPushInThisScmsOwnNameOrGarbledIsRefused() throws IOException {
        try (EventLog a = new EventLog(dir, 1 << 20, 4)) {
            IOException own = assertThrows(IOException.class,
                    () -> Forwarding.receive(a, "scm-a", Forwarding.push("scm-a", List.of())));
            assertTrue(own.getMessage().contains("this SCM's own name"), own.getMessage());
            assertThrows(IOException.class, () -> Forwarding.receive(a, "scm-a", new byte[] {9, 0}));
            assertEquals(-1, a.lastId());
        }
    }
}
