package org.hasm.ctcm.internal;

import java.util.Map;
import org.hasm.spi.node.ConfigurationCheck;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.osgi.service.component.annotations.Component;

/**
 * The CTCM's configuration check, the rule its {@code init} applies too: the replica's folder, when
 * given, is an absolute path. A relative one would be resolved against each SCM's working folder, so the
 * two SCMs would keep two replicas, each taking its own for the pair's at power-up.
 */
@Component(service = ConfigurationCheck.class)
public class CtcmCheck implements ConfigurationCheck {

    @Override
    public void check(Configurations configurations, Findings findings) {
        Map<String, Object> own = configurations.get(CtcmComponent.PID);
        CtcmConfig config = configurations.typed(CtcmConfig.class, own == null ? Map.of() : own);
        String problem = replicaDirProblem(config.replica_dir());
        if (problem != null) {
            findings.problem(CtcmComponent.PID, CtcmComponent.REPLICA_DIR, problem);
        }
    }

    /** @return what is wrong with {@code replica.dir}, or {@code null} */
    static String replicaDirProblem(String dir) {
        if (dir == null || dir.isBlank()) {
            return null; // config/ in the storage's shared.dir
        }
        try {
            if (!java.nio.file.Path.of(dir.strip()).isAbsolute()) {
                return dir + " is not an absolute path: give the folder on the shared storage from its root (both SCMs"
                        + " must find the same replica), or leave it empty for config/ in org.hasm.storage's shared.dir";
            }
        } catch (java.nio.file.InvalidPathException e) {
            return dir + " is not a path: " + e.getMessage();
        }
        return null;
    }
}
