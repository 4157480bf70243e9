package org.hasm.alerts.internal;

import java.util.List;
import org.hasm.spi.HaController;
import org.hasm.spi.alerts.Alerts;
import org.hasm.spi.peer.StatusMonitor;
import org.hasm.spi.power.PowerMonitor;
import org.hasm.spi.storage.VolumeManager;

/**
 * Which events are alerts, and of which kind: a pure function of the topic. The topics are the
 * publishers' (the SPI's constants where it has them; the others are the bundles' own, repeated here).
 */
final class Kinds {

    /** Every kind an operator can select ({@code alert.kinds}), in the order the README lists them. */
    static final List<String> ALL = List.of(Alerts.KIND_STATE, Alerts.KIND_PEER, Alerts.KIND_FENCE,
            Alerts.KIND_VOLUME, Alerts.KIND_HEALTH, Alerts.KIND_UPS, Alerts.KIND_UPGRADE, Alerts.KIND_ADDRESS);

    static final String TOPIC_TRANSITION = "org/hasm/controller/TRANSITION";
    static final String TOPIC_PANIC = "org/hasm/controller/PANIC";
    static final String TOPIC_UPGRADE = "org/hasm/controller/UPGRADE";
    static final String TOPIC_FENCE = "org/hasm/status/FENCE";
    static final String TOPIC_ADDRESS = "org/hasm/netif/ADDRESS";
    static final String TOPIC_DUPLICATE = "org/hasm/netif/DUPLICATE";
    static final String HEALTH_PREFIX = "org/hasm/health/";
    /** The health monitor's periodic figures: a heartbeat, not something that happened. */
    static final String TOPIC_WELLNESS = "org/hasm/health/WELLNESS";
    /** The controller's operations on a module (restarted, disabled, refused: {@code ModuleControl}). */
    static final String MODULE_PREFIX = "org/hasm/controller/module/";
    /** This bundle's own topics: never an alert, so that a failing recipient cannot feed itself. */
    static final String OWN_PREFIX = "org/hasm/alerts/";

    private Kinds() {
    }

    /** @return the kind of alert an event of this topic is, or {@code null} when it is none */
    static String of(String topic) {
        if (topic == null || topic.startsWith(OWN_PREFIX)) {
            return null;
        }
        switch (topic) {
            case HaController.TOPIC_STATE, TOPIC_TRANSITION:
                return Alerts.KIND_STATE;
            case StatusMonitor.TOPIC_PEER:
                return Alerts.KIND_PEER;
            case TOPIC_FENCE:
                return Alerts.KIND_FENCE;
            case VolumeManager.TOPIC_VOLUME:
                return Alerts.KIND_VOLUME;
            case TOPIC_PANIC:
                return Alerts.KIND_HEALTH;
            case TOPIC_UPGRADE:
                return Alerts.KIND_UPGRADE;
            case TOPIC_ADDRESS, TOPIC_DUPLICATE:
                return Alerts.KIND_ADDRESS;
            default:
                break;
        }
        if (topic.startsWith(HEALTH_PREFIX)) {
            return topic.equals(TOPIC_WELLNESS) ? null : Alerts.KIND_HEALTH;
        }
        if (topic.startsWith(MODULE_PREFIX)) {
            return Alerts.KIND_HEALTH;
        }
        if (topic.startsWith(PowerMonitor.TOPIC_PREFIX)) {
            return Alerts.KIND_UPS;
        }
        return null;
    }
}
