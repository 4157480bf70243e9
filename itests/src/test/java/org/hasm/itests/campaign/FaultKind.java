package org.hasm.itests.campaign;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.hasm.itests.cluster.Requirements;

/**
 * The faults a campaign injects. Their names, in lower case with dashes, are what
 * {@code -Dcampaign.faults} lists.
 */
public enum FaultKind {
    KILL("kill -9 of one SCM, started again after a while"),
    PAUSE("SIGSTOP of one SCM, SIGCONT after a while"),
    CUT_CHANNEL("one network between the SCMs cut with nftables, one way or both"),
    LOSSY_CHANNEL("one or both networks between the SCMs drop a share of their packets (nftables)"),
    CUT_ALL("every network between the SCMs cut with nftables, one way or both; the storage heartbeat goes on"),
    FLOOD("garbage datagrams at full speed at both status ports of one SCM"),
    STARVE_CPU("one SCM held to a few percent of one CPU (cgroup v1 cpu quota)"),
    STORAGE_FULL("the shared storage (a tmpfs) filled up, then freed"),
    STORAGE_READ_ONLY("the shared storage read-only for one SCM (a read-only bind mount in its mount namespace)"),
    RECORD_DAMAGED("an ownership record overwritten in place: garbage, truncated, or one bit flipped"),
    RESTART_IN_TRANSITION("an SCM killed or stopped again while the pair fails over or back");

    private static final Path CPU_CGROUP = Path.of("/sys/fs/cgroup/cpu");

    private final String description;

    FaultKind(String description) {
        this.description = description;
    }

    /** @return the name {@code -Dcampaign.faults} uses: {@code cut-all} for {@link #CUT_ALL} */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String description() {
        return description;
    }

    /** @return whether the fault keeps its target's process from running: fencing it then is right */
    boolean stopsProcess() {
        return this == KILL || this == PAUSE || this == RESTART_IN_TRANSITION;
    }

    /** @return whether the fault silences every network: with storage silenced too, a live SCM looks dead */
    boolean silencesNetworks() {
        return this == CUT_ALL;
    }

    /** @return whether the fault keeps its target from writing its storage heartbeat */
    boolean silencesStorage() {
        return this == STORAGE_READ_ONLY;
    }

    /**
     * @param list {@code all}, or names separated by commas
     * @return the kinds, in the order of this enum
     * @throws IllegalArgumentException naming the unknown name and every known one
     */
    public static List<FaultKind> parse(String list) {
        String text = list == null ? "" : list.strip();
        if (text.equals("all")) {
            return List.of(values());
        }
        List<FaultKind> kinds = new ArrayList<>();
        for (String part : text.split(",")) {
            String name = part.strip();
            if (name.isEmpty()) {
                continue;
            }
            FaultKind kind = Arrays.stream(values()).filter(k -> k.id().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("campaign.faults: no fault kind '" + name
                            + "'; the kinds are all, " + String.join(", ", Arrays.stream(values()).map(FaultKind::id)
                            .toList())));
            if (!kinds.contains(kind)) {
                kinds.add(kind);
            }
        }
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("campaign.faults: '" + list + "' names no fault kind");
        }
        kinds.sort(null);
        return List.copyOf(kinds);
    }

    /** @return what this machine lacks to inject the fault, with how to get it; {@code null} if nothing */
    public String missing() {
        return switch (this) {
            case KILL, FLOOD, RECORD_DAMAGED, RESTART_IN_TRANSITION -> null;
            case PAUSE -> need(tool("kill", "procps"));
            case CUT_CHANNEL, LOSSY_CHANNEL, CUT_ALL -> root(tool("nft", "nftables"));
            case STARVE_CPU -> root(Files.isWritable(CPU_CGROUP.resolve("cpu.cfs_quota_us")) ? null
                    : "the cgroup v1 cpu controller (" + CPU_CGROUP + "/cpu.cfs_quota_us, writable)");
            case STORAGE_FULL -> root(tool("mount", "mount"));
            case STORAGE_READ_ONLY -> root(firstOf(tool("unshare", "util-linux"), tool("nsenter", "util-linux"),
                    tool("mount", "mount")));
        };
    }

    private String root(String otherwise) {
        if (!Requirements.isRoot()) {
            return "fault " + id() + " needs root";
        }
        return need(otherwise);
    }

    private String need(String what) {
        return what == null ? null : "fault " + id() + " needs " + what;
    }

    private static String tool(String name, String debianPackage) {
        return Requirements.tool(name) != null ? null
                : "the " + name + " command: install " + debianPackage + " (Debian: apt-get install " + debianPackage + ")";
    }

    private static String firstOf(String... missing) {
        return Arrays.stream(missing).filter(m -> m != null).findFirst().orElse(null);
    }
}
