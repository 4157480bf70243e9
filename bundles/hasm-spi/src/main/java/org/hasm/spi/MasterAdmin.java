package org.hasm.spi;

/**
 * Where the pair is administered: the SCM that runs as MASTER and its admin API (DESIGN §3: only
 * the MASTER administers; a SLAVE redirects commands to it). The SCMs tell each other their admin
 * API in the answer to GETSTATE.
 *
 * @param scm the SCM that administers the pair
 * @param local {@code true} when it is this SCM
 * @param url its admin API's base, {@code http(s)://HOST:PORT}; {@code null} when not known (an SCM
 *     whose launcher did not say where its admin API listens)
 * @param certificate with https: the SHA-256 of the certificate its admin API serves, as lower-case
 *     hex, which a client that trusts this SCM may pin; {@code null} otherwise
 * @since package 1.1.0, hasm 1.0.0
 */
public record MasterAdmin(String scm, boolean local, String url, String certificate) {

    /** @return this SCM administers the pair (or runs alone) */
    public static MasterAdmin self(String scm, String url, String certificate) {
        return new MasterAdmin(scm, true, url, certificate);
    }
}
