package org.hasm.admin.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.spi.HaController;
import org.hasm.spi.health.ServiceRequests;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.peer.StatusMonitor;
import org.hasm.spi.storage.VolumeManager;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.FieldOption;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * Keeps the SCM's {@link Metrics}: counts the events that say what happened, and lends the admin API
 * (which serves {@code GET /hasm/api/v1/metrics} with its own authentication) the registry to scrape.
 * Registered under its own class too, so that only this bundle's servlet finds it. Every SPI service
 * is optional and dynamic, like the admin API's: metrics matter most while a module is missing.
 * Event Admin delivers events on its own thread; the metrics it updates are thread-safe.
 */
@Component(service = {EventHandler.class, MetricsComponent.class}, property = {
    EventConstants.EVENT_TOPIC + "=" + Metrics.TOPIC_TRANSITION,
    EventConstants.EVENT_TOPIC + "=" + Metrics.TOPIC_CALL_PREFIX + "*",
    EventConstants.EVENT_TOPIC + "=" + Metrics.TOPIC_ADDRESS,
    EventConstants.EVENT_TOPIC + "=" + Metrics.TOPIC_VOLUME,
    EventConstants.EVENT_TOPIC + "=" + Metrics.TOPIC_FENCE,
    EventConstants.EVENT_TOPIC + "=" + Metrics.TOPIC_ALERT_FAILED,
    EventConstants.EVENT_TOPIC + "=" + Metrics.TOPIC_ALERT_DROPPED
})
public class MetricsComponent implements EventHandler {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile HaController controller;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile StatusMonitor monitor;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PeerLink link;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile VolumeManager volumes;

    // the NAS services' request counters: every one registered, any number, coming and going
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, fieldOption = FieldOption.UPDATE)
    private final List<ServiceRequests> services = new CopyOnWriteArrayList<>();

    private final Metrics metrics = new Metrics(() -> controller, () -> monitor, () -> link, () -> volumes,
            () -> List.copyOf(services));

    @Override
    public void handleEvent(Event event) {
        metrics.event(event.getTopic(), event::getProperty);
    }

    Metrics metrics() {
        return metrics;
    }
}
