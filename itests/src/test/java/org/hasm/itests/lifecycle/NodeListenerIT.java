package org.hasm.itests.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.HasmTestSupport;
import org.hasm.spi.Personality;
import org.hasm.spi.node.Node;
import org.hasm.spi.node.NodeListener;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The node holds no listener's object: it fetches one to tell it of a change and gives it back at once. Holding
 * them (fetched when bound, as the component runtime does for a reference bound with its object) made the node's
 * construction build the controller, a listener that needs the node: built on Configuration Admin's thread while
 * another thread started the controller, each waited for good for the service the other was building.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class NodeListenerIT extends HasmTestSupport {

    @Configuration
    public Option[] config() {
        return frameworkOptions(false);
    }

    @Test
    public void theNodeFetchesAListenerOnlyToTellItAndGivesItBackAtOnce() throws Exception {
        ServiceTracker<Node, Node> nodes = new ServiceTracker<>(context, Node.class, null);
        nodes.open();
        try {
            assertTrue("the node service", nodes.waitForService(Duration.ofSeconds(20).toMillis()) != null);
        } finally {
            nodes.close();
        }
        List<List<Personality>> told = new CopyOnWriteArrayList<>();
        NodeListener listener = new NodeListener() {
            @Override
            public void problemsChanged(List<String> problems) {
                told.add(List.of());
            }

            @Override
            public void personalitiesChanged(List<Personality> personalities) {
                told.add(personalities);
            }
        };
        AtomicInteger gets = new AtomicInteger();
        AtomicInteger ungets = new AtomicInteger();
        ServiceFactory<NodeListener> factory = new ServiceFactory<>() {
            @Override
            public NodeListener getService(Bundle bundle, ServiceRegistration<NodeListener> registration) {
                gets.incrementAndGet();
                return listener;
            }

            @Override
            public void ungetService(Bundle bundle, ServiceRegistration<NodeListener> registration, NodeListener service) {
                ungets.incrementAndGet();
            }
        };
        ServiceRegistration<?> registration = context.registerService(NodeListener.class.getName(), factory, null);
        try {
            Dictionary<String, Object> personality = new Hashtable<>();
            personality.put("name", "pers-t");
            personality.put("home", SCM);
            personality.put("addresses", "127.0.0.1");
            configAdmin.createFactoryConfiguration(PERSONALITY_FACTORY_PID, "?").update(personality);
            Await.until("the node tells the listener of the new personality", () -> !told.isEmpty());
            Await.until("the node gives the listener back after telling it", Duration.ofSeconds(10),
                    () -> ungets.get() == gets.get(), () -> "fetched " + gets.get() + " times, given back " + ungets.get());
            assertTrue("fetched to be told", gets.get() >= 1);
            assertEquals("fetched once a call: " + told, told.size(), gets.get());
        } finally {
            registration.unregister();
        }
    }
}
