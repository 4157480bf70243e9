package org.hasm.launcher;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS to one SCM's admin API, trusting exactly the certificates of the keystore that SCM serves
 * with. {@code hasmctl --node-dir} reads that keystore from the node folder, so a self-signed
 * certificate needs no trust store, and no other certificate is taken, whoever signed it. The
 * certificate is compared whole, which is stronger than checking the name in it against the host:
 * hasmctl may reach the SCM as 127.0.0.1 while the certificate names the host.
 */
final class PinnedTrust extends X509ExtendedTrustManager {

    private final Set<Certificate> pinned;
    /** SHA-256 digests (lower-case hex) of further certificates to take: the MASTER's, as its peer vouched for it. */
    private final Set<String> digests;
    private final String where;

    private PinnedTrust(Set<Certificate> pinned, Set<String> digests, String where) {
        this.pinned = pinned;
        this.digests = digests;
        this.where = where;
    }

    /**
     * Trusts exactly one certificate, by its SHA-256: the MASTER's, as named in the redirect of an SCM
     * that hasmctl reached with its own pinned trust, which learnt it from the MASTER over the
     * authenticated link.
     */
    static SSLContext digest(String sha256, String where) throws LaunchException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new PinnedTrust(Set.of(), Set.of(sha256.toLowerCase(java.util.Locale.ROOT)),
                    where)}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new LaunchException("TLS cannot be set up (" + Runner.oneLine(e) + ")");
        }
    }

    /**
     * @return the SHA-256 (lower-case hex) of the certificate the keystore's first key entry serves
     * @throws LaunchException if the keystore cannot be read or has no key entry with a certificate
     */
    static String served(Path keystore, String password) throws LaunchException {
        try {
            KeyStore ks = KeyStore.getInstance(keystore.toFile(), password == null ? null : password.toCharArray());
            for (Enumeration<String> aliases = ks.aliases(); aliases.hasMoreElements();) {
                String alias = aliases.nextElement();
                if (ks.isKeyEntry(alias) && ks.getCertificate(alias) != null) {
                    return sha256(ks.getCertificate(alias));
                }
            }
            throw new LaunchException(keystore + ": no key entry with a certificate");
        } catch (IOException | GeneralSecurityException e) {
            throw new LaunchException(keystore + ": cannot be read (" + Runner.oneLine(e) + ")");
        }
    }

    static String sha256(Certificate c) throws CertificateException {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new CertificateException("SHA-256 is not available", e);
        }
    }

    /** @throws LaunchException if the keystore cannot be read or holds no certificate */
    static SSLContext context(Path keystore, String password) throws LaunchException {
        try {
            KeyStore ks = KeyStore.getInstance(keystore.toFile(), password == null ? null : password.toCharArray());
            Set<Certificate> certificates = new HashSet<>();
            for (Enumeration<String> aliases = ks.aliases(); aliases.hasMoreElements();) {
                Certificate c = ks.getCertificate(aliases.nextElement());
                if (c != null) {
                    certificates.add(c);
                }
            }
            if (certificates.isEmpty()) {
                throw new LaunchException(keystore + ": holds no certificate to trust");
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new PinnedTrust(Set.copyOf(certificates), Set.of(), "the one in "
                    + keystore)}, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new LaunchException(keystore + ": cannot be read (" + Runner.oneLine(e) + ")");
        }
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0 || !pinned.contains(chain[0]) && !digests.contains(sha256(chain[0]))) {
            throw new CertificateException("the SCM's certificate is not " + where);
        }
        chain[0].checkValidity();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client trusts no clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a client trusts no clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a client trusts no clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
