package org.hasm.launcher;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code hasmctl SCM alerts [--test [--text T]] [--json]}: the alert recipients the SCM tells of what
 * happens to it (scripts and webhooks, {@code GET /hasm/api/v1/alerts}) with what each received; with
 * {@code --test} a test alert goes to each now ({@code POST .../alerts/test}, the operate role), and the
 * exit code is 1 unless every recipient received it, so that a monitoring job can run it.
 */
final class AlertsCommand {
    private final AdminClient client;
    private final PrintStream out;
    private final boolean json;

    AlertsCommand(AdminClient client, PrintStream out, boolean json) {
        this.client = client;
        this.out = out;
        this.json = json;
    }

    /** @return the exit code */
    int run(boolean test, String text) throws LaunchException, InterruptedException {
        String body;
        if (test) {
            Map<String, String> query = new LinkedHashMap<>();
            if (text != null) {
                query.put("text", text);
            }
            body = client.post("/alerts/test", query);
        } else {
            body = client.get("/alerts");
        }
        if (!(Json.parse(body, client.base() + " alerts") instanceof Map<?, ?> raw)) {
            throw new LaunchException(LaunchException.FAILED, client.base() + ": the alerts are not a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> doc = (Map<String, ?>) raw;
        out.print(json ? body + System.lineSeparator() : StatusTable.alerts(doc));
        if (!test) {
            return 0;
        }
        List<?> deliveries = doc.get("test") instanceof List<?> l ? l : List.of();
        boolean all = !deliveries.isEmpty() && deliveries.stream().allMatch(d -> d instanceof Map<?, ?> m
                && Boolean.TRUE.equals(m.get("ok")));
        return all ? 0 : LaunchException.FAILED;
    }
}
