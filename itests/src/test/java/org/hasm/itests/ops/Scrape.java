package org.hasm.itests.ops;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.cluster.Pair;

/** One scrape of an SCM's {@code GET /hasm/api/v1/metrics}, and the samples read from it. */
public record Scrape(int status, String contentType, String text) {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .proxy(HttpClient.Builder.NO_PROXY).build();

    /** GET the metrics of {@code scm} with its operate credential. */
    public static Scrape of(Pair pair, Pair.Scm scm) throws IOException, InterruptedException {
        return of(pair.adminPort(scm), pair.adminToken(scm));
    }

    public static Scrape of(int adminPort, String token) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                + "/hasm/api/v1/metrics")).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Scrape(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    /** @return the scrape of {@code scm}, or {@code null} if it does not answer 200 now (dead, starting) */
    public static Scrape orNull(Pair pair, Pair.Scm scm) {
        if (!pair.isAlive(scm)) {
            return null;
        }
        try {
            Scrape s = of(pair, scm);
            return s.status() == 200 ? s : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * @param series a sample's name with its labels exactly as written ({@code hasm_scm_state{state="DAC"}})
     * @return its value, or NaN if the scrape has no such sample
     */
    public double value(String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return Double.NaN;
    }

    /** @return the sum of the samples of {@code name} whose labels match {@code labels} (a regex on the braces' inside) */
    public double sum(String name, String labels) {
        Pattern p = Pattern.compile(Pattern.quote(name) + "\\{(" + labels + ")\\} (\\S+)");
        double sum = 0;
        for (String line : text.split("\n")) {
            Matcher m = p.matcher(line);
            if (m.matches()) {
                sum += Double.parseDouble(m.group(m.groupCount()));
            }
        }
        return sum;
    }
}
