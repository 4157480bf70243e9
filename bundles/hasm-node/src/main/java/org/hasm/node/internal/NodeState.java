package org.hasm.node.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;

/**
 * The node as its identity and its configurations say, without an incarnation: what a check sees
 * (and what the node component builds on).
 */
class NodeState implements Node {
    /** Findings nobody reads: the identity's problems are reported by the check itself. */
    static final Findings IGNORED = new Findings() {
        @Override
        public void problem(String pid, String key, String reason) {
        }

        @Override
        public void timing(String pid, String key, long value) {
        }
    };

    private final Identity identity;
    private final Supplier<ConfigView> view;

    NodeState(Identity identity, Supplier<ConfigView> view) {
        this.identity = identity;
        this.view = view;
    }

    Identity identity() {
        return identity;
    }

    @Override
    public String scm() {
        return identity.scm();
    }

    @Override
    public String peer() {
        return identity.peer();
    }

    @Override
    public OpMode configuredRole() {
        return identity.role();
    }

    @Override
    public Path dataDir() {
        return identity.dataDir();
    }

    @Override
    public long incarnation() {
        return 0;
    }

    @Override
    public List<Personality> personalities() {
        List<Personality> all = PersonalityConfig.read(view.get().factoryByPid(PERSONALITY_FACTORY_PID), IGNORED);
        List<Personality> ordered = new ArrayList<>();
        all.stream().filter(p -> p.home().equals(scm())).forEach(ordered::add);
        all.stream().filter(p -> !p.home().equals(scm())).forEach(ordered::add);
        return List.copyOf(ordered);
    }

    @Override
    public Configurations configurations() {
        return view.get();
    }

    @Override
    public List<String> problems() {
        return List.of();
    }

    @Override
    public Map<String, String> timing() {
        return Map.of();
    }
}
