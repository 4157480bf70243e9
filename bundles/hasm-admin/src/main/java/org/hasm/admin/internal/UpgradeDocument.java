package org.hasm.admin.internal;

import java.time.Duration;
import org.hasm.spi.UpgradeView;

/**
 * The upgrade document ({@code GET /hasm/api/v1/upgrade}): the pair's last rolling upgrade, its steps
 * with when each started and ended and how long it took, and how it stands. Field names are the API's
 * contract (hasmctl upgrade --json prints this document): they are only ever added to.
 */
final class UpgradeDocument {

    private UpgradeDocument() {
    }

    /** @param u the upgrade, or {@code null}: {@code {"upgrade": null}} */
    static String of(UpgradeView u) {
        JsonWriter w = new JsonWriter().beginObject();
        w.name("upgrade");
        if (u == null) {
            w.nullValue();
            return w.endObject().toString();
        }
        w.beginObject();
        w.name("id").value(u.id());
        w.name("bundle").value(u.bundle());
        w.name("from").value(u.from());
        w.name("to").value(u.to());
        w.name("sha256").value(u.sha256());
        w.name("status").value(u.status());
        w.name("cause").value(u.cause());
        // set when the SCM that conducted it was lost: the operator resumes or aborts
        w.name("held").value(u.held());
        w.name("current").value(u.current());
        w.name("steps").beginArray();
        for (UpgradeView.Step s : u.steps()) {
            w.beginObject();
            w.name("description").value(s.description());
            w.name("kind").value(s.kind());
            w.name("scm").value(s.scm());
            w.name("started").value(s.started());
            w.name("ended").value(s.ended());
            w.name("millis");
            if (s.started() != null && s.ended() != null) {
                w.value(Duration.between(s.started(), s.ended()).toMillis());
            } else {
                w.nullValue();
            }
            w.name("outcome").value(s.outcome());
            w.endObject();
        }
        w.endArray();
        w.endObject();
        return w.endObject().toString();
    }
}
