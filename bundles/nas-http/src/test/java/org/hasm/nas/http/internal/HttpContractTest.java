package org.hasm.nas.http.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.hasm.spi.Personality;
import org.hasm.testkit.ContractKit;
import org.hasm.testkit.Logs;
import org.junit.jupiter.api.Test;

class HttpContractTest {

    /** A client's PUT and GET of one file on the personality's export: both must succeed. */
    private static void putAndGet(Personality p, int port) throws IOException {
        String url = "http://" + p.addresses().get(0) + ":" + port + "/docs/kit.txt";
        byte[] body = ("written through " + p.name()).getBytes(StandardCharsets.UTF_8);
        HttpURLConnection put = (HttpURLConnection) URI.create(url).toURL().openConnection();
        put.setConnectTimeout(1000);
        put.setReadTimeout(5000);
        put.setRequestMethod("PUT");
        put.setDoOutput(true);
        put.setFixedLengthStreamingMode(body.length);
        try (OutputStream out = put.getOutputStream()) {
            out.write(body);
        }
        int status = put.getResponseCode();
        put.disconnect();
        if (status != 201 && status != 204) {
            throw new IOException("PUT " + url + " answered " + status);
        }
        HttpURLConnection get = (HttpURLConnection) URI.create(url).toURL().openConnection();
        get.setConnectTimeout(1000);
        get.setReadTimeout(5000);
        String read = new String(get.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        get.disconnect();
        if (!read.equals(new String(body, StandardCharsets.UTF_8))) {
            throw new IOException("GET " + url + " read '" + read + "'");
        }
    }

    @Test
    void theHttpServiceKeepsTheLifecycleContract() {
        int port = ContractKit.freePort();
        ContractKit.forModule("http", kit -> new HttpModule(HttpSettings.defaults(), kit.folder().resolve("tomcat").toFile(),
                        Logs.named("org.hasm.nas.http").logger(), kit.volumes(), kit.readiness()))
                .property("http.port", Integer.toString(port))
                .export("http", "docs", "docs")
                .client(p -> putAndGet(p, port))
                .run()
                .assertNoViolations();
    }
}
