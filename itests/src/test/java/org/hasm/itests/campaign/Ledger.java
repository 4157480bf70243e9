package org.hasm.itests.campaign;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hasm.itests.cluster.PutLoop;

/**
 * Checker 1: every acknowledged write reads back identical. The ledger is the writers' list of
 * acknowledged PUTs, each with its bytes. A file is read through the personality's address first;
 * one that does not read back there is looked up on the volume itself, which tells a write that
 * is gone or altered (lost) from one that is intact but not served as written (the pair did not
 * recover).
 */
public final class Ledger {

    /** A read: the status (200 for a file, 404 for none, {@value PutLoop#NO_ANSWER} for no answer) and the bytes. */
    public record Read(int status, byte[] body) {
    }

    /** Reads a file by name. */
    @FunctionalInterface
    public interface Source {
        Read read(String name) throws InterruptedException;
    }

    /**
     * @param lost acknowledged writes gone or altered on the volume
     * @param unserved acknowledged writes intact on the volume that the address does not serve as written
     * @param problems a line per lost write, and the first few unserved ones
     */
    public record Outcome(int checked, int lost, int unserved, List<String> problems) {
    }

    private static final int GIVE_UP = 3;
    private static final int LOST_SHOWN = 20;
    private static final int UNSERVED_SHOWN = 3;

    private Ledger() {
    }

    /** @return the files of {@code folder} (a personality's export, ending in '/') as a client reads them */
    public static Source http(URI folder) {
        HttpClient client = PutLoop.client(Duration.ofSeconds(2));
        return name -> {
            HttpResponse<byte[]> r = PutLoop.get(client, folder.resolve(name));
            return r == null ? new Read(PutLoop.NO_ANSWER, new byte[0]) : new Read(r.statusCode(), r.body());
        };
    }

    /** @return the files of a volume's folder on the shared storage, read directly */
    public static Source volume(Path folder) {
        return name -> {
            try {
                return new Read(200, Files.readAllBytes(folder.resolve(name)));
            } catch (NoSuchFileException e) {
                return new Read(404, new byte[0]);
            } catch (IOException e) {
                return new Read(PutLoop.NO_ANSWER, new byte[0]);
            }
        };
    }

    /**
     * @param served how clients read the files (through the personality's address)
     * @param volume the volume's folder
     */
    public static Outcome check(List<PutLoop.Ack> acks, Source served, Source volume) throws InterruptedException {
        int lost = 0;
        int unserved = 0;
        int failedInARow = 0;
        List<String> lostLines = new ArrayList<>();
        List<String> unservedLines = new ArrayList<>();
        for (PutLoop.Ack ack : acks) {
            // an address that answered nothing right several times in a row is not asked again: a
            // pair that did not recover would otherwise cost a timeout per file
            Read client = failedInARow >= GIVE_UP ? null : served.read(ack.name());
            if (client != null && client.status() == 200 && Arrays.equals(client.body(), ack.content())) {
                failedInARow = 0;
                continue;
            }
            failedInARow++;
            Read stored = volume.read(ack.name());
            String how = "acknowledged " + ack.status() + (ack.servedBy().isEmpty() ? "" : " by " + ack.servedBy());
            if (stored.status() == 200 && Arrays.equals(stored.body(), ack.content())) {
                unserved++;
                unservedLines.add("unserved " + ack.name() + " (" + how + "): intact on the volume, but "
                        + (client == null ? "its address answered nothing right " + GIVE_UP + " times in a row"
                        : describe(client, ack)));
            } else {
                lost++;
                lostLines.add("LOST " + ack.name() + " (" + how + "): " + describe(stored, ack) + " on the volume");
            }
        }
        List<String> problems = new ArrayList<>(shown(lostLines, LOST_SHOWN, "lost"));
        problems.addAll(shown(unservedLines, UNSERVED_SHOWN, "unserved"));
        return new Outcome(acks.size(), lost, unserved, problems);
    }

    /** @return the first {@code limit} lines, and one that counts the rest */
    private static List<String> shown(List<String> lines, int limit, String what) {
        if (lines.size() <= limit) {
            return lines;
        }
        List<String> some = new ArrayList<>(lines.subList(0, limit));
        some.add("(" + (lines.size() - limit) + " more " + what + ")");
        return some;
    }

    private static String describe(Read r, PutLoop.Ack ack) {
        return switch (r.status()) {
            case 200 -> r.body().length + " bytes that differ from the " + ack.content().length + " acknowledged";
            case 404 -> "missing";
            case PutLoop.NO_ANSWER -> "no answer";
            default -> "status " + r.status();
        };
    }
}
