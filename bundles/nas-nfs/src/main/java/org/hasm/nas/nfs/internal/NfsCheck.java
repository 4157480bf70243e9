package org.hasm.nas.nfs.internal;

import java.util.List;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.osgi.service.component.annotations.Component;

/**
 * The NFS service's part of {@code hasm check} and of every start: it owns the personality keys
 * {@code export.nfs.*} (whose syntax the node checks for every protocol), {@value NfsPlan#PORT},
 * {@value NfsPlan#MOUNT_PORT} and {@value NfsPlan#PORTMAP_PORT}, and checks them for every
 * personality with the code a takeover reads them with.
 */
@Component(service = ConfigurationCheck.class, property = {
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":export." + NfsPlan.PROTOCOL + ".*",
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + NfsPlan.PORT,
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + NfsPlan.MOUNT_PORT,
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + NfsPlan.PORTMAP_PORT,
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + ExportAccess.CLIENTS + "*",
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + ExportAccess.AUTH_NONE + "*",
    ConfigurationCheck.KEYS + "=" + Node.PERSONALITY_FACTORY_PID + ":" + ExportAccess.ROOT_SQUASH + "*"})
public class NfsCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        // the module's own configuration, as its activation reads it (a configuration transaction is checked here
        // before it is applied on both SCMs)
        java.util.Map<String, Object> own = configurations.get(NfsModule.PID);
        if (own != null) {
            try {
                NfsModule.settings(configurations.typed(NfsModule.Config.class, own));
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                int eq = m.indexOf('=');
                findings.problem(NfsModule.PID, eq > 0 ? m.substring(0, eq) : "*", eq > 0 ? m.substring(eq + 1) : m);
            }
        }
        configurations.factory(Node.PERSONALITY_FACTORY_PID).forEach((name, properties) -> {
            String pid = Node.PERSONALITY_FACTORY_PID + "~" + name;
            boolean exports = properties.keySet().stream().anyMatch(k -> k.startsWith("export." + NfsPlan.PROTOCOL + "."));
            if (exports && properties.get(NfsPlan.PORT) == null) {
                findings.problem(pid, NfsPlan.PORT, "missing: the personality has nfs exports");
            }
            checkAccess(pid, properties, findings);
            for (String key : List.of(NfsPlan.PORT, NfsPlan.MOUNT_PORT, NfsPlan.PORTMAP_PORT)) {
                Object raw = properties.get(key);
                if (raw != null) {
                    try {
                        port(String.valueOf(raw), key.equals(NfsPlan.PORTMAP_PORT));
                    } catch (IllegalArgumentException e) {
                        findings.problem(pid, key, e.getMessage());
                    }
                }
            }
        });
    }

    /** The access keys of each nfs export, read as a takeover reads them; one naming no export is refused. */
    private static void checkAccess(String pid, java.util.Map<String, Object> properties, Findings findings) {
        java.util.Map<String, String> values = new java.util.TreeMap<>();
        properties.forEach((k, v) -> values.put(k, String.valueOf(v)));
        for (String key : values.keySet()) {
            for (String prefix : List.of(ExportAccess.CLIENTS, ExportAccess.AUTH_NONE, ExportAccess.ROOT_SQUASH)) {
                if (!key.startsWith(prefix)) {
                    continue;
                }
                String export = key.substring(prefix.length());
                if (!values.containsKey("export." + NfsPlan.PROTOCOL + "." + export)) {
                    findings.problem(pid, key, "names no nfs export (export.nfs." + export + " is not configured)");
                    continue;
                }
                try {
                    ExportAccess.of(java.util.Map.of(key, values.get(key)), export);
                } catch (IllegalArgumentException e) {
                    findings.problem(pid, key, e.getMessage().substring(key.length() + 2));
                }
            }
        }
    }

    /**
     * @param zeroAllowed whether 0 (none) is a valid value
     * @return the port {@code raw} names
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static int port(String raw, boolean zeroAllowed) {
        try {
            int port = Integer.parseInt(raw.strip());
            if (port >= (zeroAllowed ? 0 : 1) && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + raw + "' is not a port number (" + (zeroAllowed ? "0 for none, " : "")
                + "1..65535)");
    }
}
