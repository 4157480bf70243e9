package org.hasm.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * What this JVM forces to disk while a piece of code runs: every {@code FileChannel.force} of any thread
 * (a server's request threads included), with the path its channel was opened on, in the order the forces
 * began, as the JVM's flight recorder sees them ({@code jdk.FileForce}). A power cut cannot be made in a
 * unit test; what is forced, and in what order, can be seen: that a new file's inode is forced before the
 * folder that names it, or a record before the reply it makes durable.
 *
 * <pre>{@code
 * List<String> forced = Forces.during(() -> client.create("made.txt"));
 * }</pre>
 *
 * Forces made outside the JVM (a native server, {@code sync}) are not seen, nor those made by code that
 * does not go through a {@code FileChannel}.
 */
public final class Forces {

    /** Code whose forces are recorded. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private Forces() {
    }

    /**
     * Runs {@code action} under a flight recording of {@code jdk.FileForce} events.
     *
     * @return the paths forced while it ran, first force first (one entry per force)
     * @throws Exception what {@code action} threw, or a failure of the recording
     */
    public static List<String> during(Action action) throws Exception {
        Path dump = Files.createTempFile("hasm-testkit-forces-", ".jfr");
        try {
            try (Recording recording = new Recording()) {
                recording.enable("jdk.FileForce").withThreshold(Duration.ZERO).withoutStackTrace();
                recording.start();
                try {
                    action.run();
                } finally {
                    recording.stop();
                }
                recording.dump(dump);
            }
            List<RecordedEvent> events = new ArrayList<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(dump)) {
                if (e.getEventType().getName().equals("jdk.FileForce")) {
                    events.add(e);
                }
            }
            events.sort(Comparator.comparing(RecordedEvent::getStartTime));
            List<String> paths = new ArrayList<>(events.size());
            for (RecordedEvent e : events) {
                paths.add(e.getString("path"));
            }
            return paths;
        } finally {
            Files.deleteIfExists(dump);
        }
    }
}
