package org.hasm.nas.http.internal;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * A response whose body is held back until {@link #release}: Tomcat's LOCK writes and closes its
 * answer before it returns, and the lock must be stored on both SCMs before the client learns of
 * it. Only for answers that are small (lock and unlock answers, a multistatus of a DELETE or MOVE).
 * Status and headers go to the real response at once; nothing is committed before {@link #release}.
 */
final class HeldResponse extends HttpServletResponseWrapper {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream(512);
    private ServletOutputStream stream;
    private PrintWriter writer;

    HeldResponse(HttpServletResponse response) {
        super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() {
        if (stream == null) {
            stream = new ServletOutputStream() {
                @Override
                public void write(int b) {
                    body.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    body.write(b, off, len);
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    throw new IllegalStateException("no asynchronous writes on a held response");
                }
            };
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() {
        if (writer == null) {
            String encoding = getCharacterEncoding();
            Charset cs = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
            writer = new PrintWriter(new OutputStreamWriter(getOutputStream(), cs));
        }
        return writer;
    }

    @Override
    public void flushBuffer() {
        // held until release
    }

    @Override
    public boolean isCommitted() {
        return false;
    }

    @Override
    public void resetBuffer() {
        body.reset();
        super.resetBuffer();
    }

    @Override
    public void reset() {
        body.reset();
        writer = null;
        stream = null;
        super.reset();
    }

    /** Drops what was held: the request is answered otherwise. */
    void discard() {
        if (writer != null) {
            writer.flush();
        }
        body.reset();
    }

    /** Sends the held body to the client. */
    void release() throws IOException {
        if (writer != null) {
            writer.flush();
        }
        if (body.size() > 0) {
            HttpServletResponse real = (HttpServletResponse) getResponse();
            real.getOutputStream().write(body.toByteArray());
        }
    }
}
