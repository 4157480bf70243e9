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
    private final Path keystore;

    private PinnedTrust(Set<Certificate> pinned, Path keystore) {
        this.pinned = pinned;
        this.keystore = keystore;
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
            context.init(null, new TrustManager[] {new PinnedTrust(Set.copyOf(certificates), keystore)}, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new LaunchException(keystore + ": cannot be read (" + Runner.oneLine(e) + ")");
        }
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0 || !pinned.contains(chain[0])) {
            throw new CertificateException("the SCM's certificate is not the one in " + keystore);
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
