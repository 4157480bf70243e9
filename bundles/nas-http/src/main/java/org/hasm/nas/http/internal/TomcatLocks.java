package org.hasm.nas.http.internal;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.catalina.servlets.WebdavServlet;

/**
 * The lock table of Tomcat's {@link WebdavServlet}, read and written from outside. Tomcat keeps its
 * locks in two private maps (exclusive locks and the shared locks' containers by path, shared locks
 * by token) of a private class, with no way to plug a store in; hasm keeps the locking rules Tomcat's
 * (If headers, depth, shared locks, lock-null resources, lockdiscovery) and only copies the table
 * out after a request that changed it and back in when an export opens on the other SCM. This class
 * is the one place that knows those fields; {@code DavLocksTest} fails if a Tomcat upgrade changes
 * them.
 */
final class TomcatLocks {
    /** One lock as a value: what {@code WebdavServlet.LockInfo} holds. */
    record Lock(String path, String lockroot, String type, String scope, int depth, String owner, String token,
            long expiresAt, String principal) {
        boolean exclusive() {
            return "exclusive".equals(scope);
        }

        boolean expired(long nowMillis) {
            return expiresAt < nowMillis;
        }
    }

    private static final Field RESOURCE_LOCKS;
    private static final Field SHARED_LOCKS;
    private static final Field MAX_DEPTH;
    private static final Constructor<?> NEW_INFO;
    private static final Field PATH;
    private static final Field LOCKROOT;
    private static final Field TYPE;
    private static final Field SCOPE;
    private static final Field DEPTH;
    private static final Field OWNER;
    private static final Field TOKEN;
    private static final Field SHARED_TOKENS;
    private static final Field EXPIRES_AT;
    private static final Field PRINCIPAL;

    static {
        try {
            RESOURCE_LOCKS = field(WebdavServlet.class, "resourceLocks");
            SHARED_LOCKS = field(WebdavServlet.class, "sharedLocks");
            MAX_DEPTH = field(WebdavServlet.class, "maxDepth");
            Class<?> info = Class.forName(WebdavServlet.class.getName() + "$LockInfo", false,
                    WebdavServlet.class.getClassLoader());
            NEW_INFO = info.getDeclaredConstructor(int.class);
            NEW_INFO.setAccessible(true);
            PATH = field(info, "path");
            LOCKROOT = field(info, "lockroot");
            TYPE = field(info, "type");
            SCOPE = field(info, "scope");
            DEPTH = field(info, "depth");
            OWNER = field(info, "owner");
            TOKEN = field(info, "token");
            SHARED_TOKENS = field(info, "sharedTokens");
            EXPIRES_AT = field(info, "expiresAt");
            PRINCIPAL = field(info, "principal");
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("Tomcat's WebdavServlet lock table is not as this bundle knows it: " + e);
        }
    }

    private TomcatLocks() {
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(WebdavServlet servlet, Field f) {
        try {
            return (Map<String, Object>) f.get(servlet);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return every lock the servlet holds (exclusive and shared; not the containers), by token */
    static Map<String, Lock> snapshot(WebdavServlet servlet) {
        Map<String, Lock> locks = new LinkedHashMap<>();
        try {
            for (Object info : map(servlet, RESOURCE_LOCKS).values()) {
                if ("exclusive".equals(SCOPE.get(info))) {
                    Lock l = lock(info);
                    locks.put(l.token(), l);
                }
            }
            for (Object info : map(servlet, SHARED_LOCKS).values()) {
                Lock l = lock(info);
                locks.put(l.token(), l);
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return locks;
    }

    /** @return how many locks (exclusive and shared; not the containers) the servlet holds that have not expired */
    static int live(WebdavServlet servlet, long nowMillis) {
        int live = 0;
        try {
            for (Object info : map(servlet, RESOURCE_LOCKS).values()) {
                if ("exclusive".equals(SCOPE.get(info)) && EXPIRES_AT.getLong(info) >= nowMillis) {
                    live++;
                }
            }
            for (Object info : map(servlet, SHARED_LOCKS).values()) {
                if (EXPIRES_AT.getLong(info) >= nowMillis) {
                    live++;
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return live;
    }

    private static Lock lock(Object info) throws IllegalAccessException {
        return new Lock((String) PATH.get(info), (String) LOCKROOT.get(info), (String) TYPE.get(info),
                (String) SCOPE.get(info), DEPTH.getInt(info), (String) OWNER.get(info), (String) TOKEN.get(info),
                EXPIRES_AT.getLong(info), (String) PRINCIPAL.get(info));
    }

    /** Replaces the servlet's whole lock table by these locks. */
    static void replace(WebdavServlet servlet, Collection<Lock> locks) {
        Map<String, Object> resource = map(servlet, RESOURCE_LOCKS);
        Map<String, Object> shared = map(servlet, SHARED_LOCKS);
        try {
            int maxDepth = MAX_DEPTH.getInt(servlet);
            Map<String, Object> newResource = new LinkedHashMap<>();
            Map<String, Object> newShared = new LinkedHashMap<>();
            for (Lock l : locks) {
                Object info = info(maxDepth, l);
                if (l.exclusive()) {
                    newResource.put(l.path(), info);
                    continue;
                }
                newShared.put(l.token(), info);
                Object container = newResource.get(l.path());
                if (container == null) {
                    // as Tomcat's LOCK makes it for the first shared lock on a path
                    container = NEW_INFO.newInstance(maxDepth);
                    SCOPE.set(container, "shared");
                    PATH.set(container, l.path());
                    LOCKROOT.set(container, l.lockroot());
                    DEPTH.setInt(container, maxDepth);
                    newResource.put(l.path(), container);
                }
                @SuppressWarnings("unchecked")
                List<String> tokens = (List<String>) SHARED_TOKENS.get(container);
                tokens.add(l.token());
            }
            // never cleared first: a lock both tables hold is never missing meanwhile (a PUT running beside this
            // would find its resource unlocked)
            resource.keySet().retainAll(newResource.keySet());
            resource.putAll(newResource);
            shared.keySet().retainAll(newShared.keySet());
            shared.putAll(newShared);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot restore Tomcat's WebDAV locks: " + e, e);
        }
    }

    private static Object info(int maxDepth, Lock l) throws ReflectiveOperationException {
        Object info = NEW_INFO.newInstance(maxDepth);
        PATH.set(info, l.path());
        LOCKROOT.set(info, l.lockroot());
        TYPE.set(info, l.type());
        SCOPE.set(info, l.scope());
        DEPTH.setInt(info, l.depth());
        OWNER.set(info, l.owner());
        TOKEN.set(info, l.token());
        EXPIRES_AT.setLong(info, l.expiresAt());
        PRINCIPAL.set(info, l.principal());
        return info;
    }

    static List<Lock> unexpired(Collection<Lock> locks, long nowMillis) {
        List<Lock> live = new ArrayList<>();
        for (Lock l : locks) {
            if (!l.expired(nowMillis)) {
                live.add(l);
            }
        }
        return live;
    }
}
