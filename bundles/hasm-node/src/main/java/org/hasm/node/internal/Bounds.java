package org.hasm.node.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.osgi.service.metatype.AttributeDefinition;

/**
 * The range of an attribute, for a message. The metatype API validates a range but does not say
 * it; Felix Metatype's attribute keeps it in its own definition, asked for here where it can be.
 */
final class Bounds {

    private Bounds() {
    }

    /** @return {@code " (min..max)"}, or an empty string if the range is not known */
    static String of(AttributeDefinition ad) {
        try {
            Object inner = ad;
            try {
                Field f = ad.getClass().getDeclaredField("ad");
                f.setAccessible(true);
                inner = f.get(ad);
            } catch (NoSuchFieldException e) {
                // a definition that keeps its bounds itself, or none
            }
            Object min = call(inner, "getMin");
            Object max = call(inner, "getMax");
            if (min == null && max == null) {
                return "";
            }
            return " (" + (min == null ? "" : min) + ".." + (max == null ? "" : max) + ")";
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "";
        }
    }

    private static Object call(Object target, String name) throws ReflectiveOperationException {
        Method m;
        try {
            m = target.getClass().getMethod(name);
        } catch (NoSuchMethodException e) {
            return null;
        }
        return m.invoke(target);
    }
}
