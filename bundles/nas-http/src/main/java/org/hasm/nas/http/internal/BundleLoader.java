package org.hasm.nas.http.internal;

import java.beans.PropertyChangeListener;
import org.apache.catalina.Context;
import org.apache.catalina.Loader;

/**
 * The class loader of an export's context: this bundle's own. An export is a folder of client files,
 * not a web application, so Tomcat's web-application class loader (which would read
 * {@code WEB-INF/classes} and {@code WEB-INF/lib} from the export) is never created.
 */
final class BundleLoader implements Loader {
    private final ClassLoader loader;
    private Context context;

    BundleLoader(ClassLoader loader) {
        this.loader = loader;
    }

    @Override
    public void backgroundProcess() {
        // nothing to reload
    }

    @Override
    public ClassLoader getClassLoader() {
        return loader;
    }

    @Override
    public Context getContext() {
        return context;
    }

    @Override
    public void setContext(Context context) {
        this.context = context;
    }

    @Override
    public boolean getDelegate() {
        return true;
    }

    @Override
    public void setDelegate(boolean delegate) {
        // always the bundle's loader
    }

    @Override
    public void addPropertyChangeListener(PropertyChangeListener listener) {
        // no properties change
    }

    @Override
    public boolean modified() {
        return false;
    }

    @Override
    public void removePropertyChangeListener(PropertyChangeListener listener) {
        // no properties change
    }
}
