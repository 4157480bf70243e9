package org.hasm.storage.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link VolumeStore.Observer} that keeps everything it is told, for assertions. */
final class Recorder implements VolumeStore.Observer {
    record Step(String step, String volume, long epoch, String owner, String reason) {
    }

    final List<Step> events = new CopyOnWriteArrayList<>();
    final List<String> logs = new CopyOnWriteArrayList<>();
    final List<String> panics = new CopyOnWriteArrayList<>();

    @Override
    public void event(String step, String volume, long epoch, String owner, String reason) {
        events.add(new Step(step, volume, epoch, owner, reason));
    }

    @Override
    public void log(VolumeStore.Level level, String message, Throwable error) {
        logs.add(level + " " + message);
    }

    @Override
    public void panic(String reason) {
        panics.add(reason);
    }

    List<Step> steps(String step) {
        return events.stream().filter(e -> e.step().equals(step)).toList();
    }
}
