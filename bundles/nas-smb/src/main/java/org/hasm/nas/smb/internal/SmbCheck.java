package org.hasm.nas.smb.internal;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.osgi.service.component.annotations.Component;

/**
 * The SMB service's part of {@code hasm check} and of every start: it owns the personality keys
 * {@code export.smb.*}, {@value SharePlan#PORT}, {@value SharePlan#GUEST} and {@code smb.sync.*}, checks them and the
 * service's own configuration with the code the module runs, and holds the watchdog's deadline
 * against the storage lease.
 */
@Component(service = ConfigurationCheck.class, property = {
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":export." + SharePlan.PROTOCOL + ".*",
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + SharePlan.PORT,
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + SharePlan.GUEST,
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + SharePlan.SYNC + "*"})
public class SmbCheck implements ConfigurationCheck {

    private static final String EXPORT = "export." + SharePlan.PROTOCOL + ".";

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> own = configurations.get(SmbModule.PID);
        try {
            SmbModule.Config c = configurations.typed(SmbModule.Config.class, own == null ? Map.of() : own);
            SmbSettings s = SmbSettings.of(c);
            if (s.watchdogMillis() > 0) {
                findings.timing(SmbModule.PID, "watchdog.ms", s.watchdogMillis());
            }
        } catch (SmbSettings.Invalid e) {
            findings.problem(SmbModule.PID, e.key(), e.reason());
        }
        configurations.factory(Node.PERSONALITY_FACTORY_PID).forEach((name, properties) -> {
            String pid = Node.PERSONALITY_FACTORY_PID + "~" + name;
            Set<String> shares = new HashSet<>();
            for (String key : properties.keySet()) {
                if (key.startsWith(EXPORT)) {
                    String share = key.substring(EXPORT.length());
                    String problem = SharePlan.shareNameProblem(share);
                    if (problem != null) {
                        findings.problem(pid, key, "share " + share + ": " + problem);
                    }
                    if (!shares.add(share.toLowerCase(Locale.ROOT))) {
                        findings.problem(pid, key, "share " + share + " is given twice (SMB share names ignore case)");
                    }
                }
            }
            Object port = properties.get(SharePlan.PORT);
            if (!shares.isEmpty() || port != null) {
                try {
                    SharePlan.port(port == null ? null : String.valueOf(port));
                } catch (IllegalArgumentException e) {
                    findings.problem(pid, SharePlan.PORT, e.getMessage());
                }
            }
            for (Map.Entry<String, Object> e : properties.entrySet()) {
                if (!e.getKey().startsWith(SharePlan.SYNC)) {
                    continue;
                }
                String share = e.getKey().substring(SharePlan.SYNC.length());
                if (!shares.contains(share.toLowerCase(Locale.ROOT))) {
                    findings.problem(pid, e.getKey(), "names share " + share + ", which the personality does not"
                            + " export over smb (export.smb." + share + ")");
                }
                try {
                    SharePlan.syncAlways(String.valueOf(e.getValue()));
                } catch (IllegalArgumentException ex) {
                    findings.problem(pid, e.getKey(), ex.getMessage());
                }
            }
            Object guest = properties.get(SharePlan.GUEST);
            if (guest != null) {
                for (String share : SharePlan.guests(String.valueOf(guest))) {
                    if (!shares.contains(share)) {
                        findings.problem(pid, SharePlan.GUEST, "names share " + share + ", which the personality does"
                                + " not export over smb (export.smb." + share + ")");
                    }
                }
            }
        });
    }

    @Override
    public void crossCheck(Map<String, String> timing, Findings findings) {
        String watchdog = timing.get(SmbModule.PID + " watchdog.ms");
        String lease = timing.get(SmbModule.STORAGE_LEASE);
        if (watchdog == null) {
            return; // half the lease, whatever it is
        }
        long leaseMs = lease == null ? SmbModule.DEFAULT_STORAGE_LEASE_MS : Long.parseLong(lease);
        if (Long.parseLong(watchdog) >= leaseMs) {
            findings.problem(SmbModule.PID, "watchdog.ms", watchdog + " must be shorter than the storage lease ("
                    + leaseMs + " ms, org.hasm.storage lease.ms): a paused SCM's smbd would outlive its lease");
        }
    }
}
