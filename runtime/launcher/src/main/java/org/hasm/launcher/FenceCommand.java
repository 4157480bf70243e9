package org.hasm.launcher;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * {@code hasmctl SCM fence [--test] [--json]}: the fence agent the SCM would use against its peer, the
 * agents registered and what keeps the configured one from fencing ({@code GET /hasm/api/v1/fence}),
 * and the last fence events of the pair's event log: what the agent did and when. With {@code --test}
 * the agent checks, without fencing, whether it could fence the peer now ({@code POST .../fence/test},
 * the operate role): exit 0 if it could, 1 if not, so that a monitoring job can run it.
 */
final class FenceCommand {
    /** The event topic of the status monitor's probes and fences. */
    static final String TOPIC = "org/hasm/status/FENCE";
    /** How many of the latest fence events are shown. */
    static final int HISTORY = 10;
    /** Pages read at most: the fence events of a log are a few; the bound keeps a huge one from holding us. */
    private static final int PAGES_MAX = 100;

    private final AdminClient client;
    private final PrintStream out;
    private final boolean json;

    FenceCommand(AdminClient client, PrintStream out, boolean json) {
        this.client = client;
        this.out = out;
        this.json = json;
    }

    /** @return the exit code: 0, or 1 for a test that found the agent could not fence */
    int run(boolean test) throws LaunchException, InterruptedException {
        if (test) {
            String body = client.post("/fence/test", Map.of());
            Map<String, ?> doc = object(Json.parse(body, client.base() + " fence test"));
            if (json) {
                out.println(body);
            } else {
                out.print(StatusTable.fenceTest(doc));
            }
            return doc.get("test") instanceof Map<?, ?> t && Boolean.TRUE.equals(t.get("ready")) ? 0 : 1;
        }
        String body = client.get("/fence");
        if (json) {
            out.println(body);
            return 0;
        }
        out.print(StatusTable.fence(object(Json.parse(body, client.base() + " fence")), history()));
        return 0;
    }

    /** @return the latest fence events of the event log, oldest first */
    private List<Map<String, ?>> history() throws LaunchException, InterruptedException {
        Deque<Map<String, ?>> latest = new ArrayDeque<>();
        EventsCommand.read(client, -1, TOPIC, PAGES_MAX, e -> {
            latest.addLast(e);
            if (latest.size() > HISTORY) {
                latest.removeFirst();
            }
        });
        return new ArrayList<>(latest);
    }

    @SuppressWarnings("unchecked")
    private Map<String, ?> object(Object value) throws LaunchException {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, ?>) map;
        }
        throw new LaunchException(LaunchException.FAILED, client.base() + ": the fence document is not a JSON object");
    }
}
