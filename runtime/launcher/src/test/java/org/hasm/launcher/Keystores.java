package org.hasm.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Self-signed keystores for TLS tests, made by the JDK's keytool. */
final class Keystores {

    private Keystores() {
    }

    /** A PKCS12 keystore with one EC key and a certificate for 127.0.0.1 and localhost. */
    static Path selfSigned(Path file, String password) throws IOException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-keystore", file.toString(),
                "-storetype", "PKCS12", "-storepass", password, "-keypass", password, "-alias", "hasm", "-keyalg", "EC",
                "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=hasm test", "-ext", "san=ip:127.0.0.1,dns:localhost"))
                .redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("keytool did not finish within 60 s");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        return file;
    }
}
