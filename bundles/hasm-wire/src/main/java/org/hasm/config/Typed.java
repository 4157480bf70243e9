package org.hasm.config;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Configuration properties as a component property type, converted the way Declarative Services
 * converts them (OSGi Compendium 112.8.2): the method {@code interval_ms()} reads the key
 * {@code interval.ms} ({@code __} is {@code _}, {@code $_$} is {@code -}, a {@code PREFIX_}
 * constant is put in front), a missing key gives the method's default, a scalar asked as an array
 * is an array of one, an array asked as a scalar gives its first element. Where DS would throw at
 * the call, this throws an {@link IllegalArgumentException} naming the key and the value.
 *
 * <p>The one place where hasm turns configuration text into numbers: components get their typed
 * configuration from DS, and every check and every factory configuration read at {@code init} comes
 * through here.
 */
public final class Typed {

    private Typed() {
    }

    /**
     * @return a view of {@code properties} as the component property type {@code type}; each call
     *     converts afresh, and one that cannot throws an {@link IllegalArgumentException} naming the
     *     key and the value
     */
    public static <A> A of(Class<A> type, Map<String, ?> properties) {
        if (!type.isInterface()) {
            throw new IllegalArgumentException(type.getName() + " is not an annotation or interface type");
        }
        String prefix = prefix(type);
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "toString" -> type.getSimpleName() + properties;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            }
            if (method.getName().equals("annotationType") && method.getParameterCount() == 0) {
                return type;
            }
            String key = prefix + key(method.getName());
            Object raw = properties.get(key);
            if (raw == null) {
                Object def = method.getDefaultValue();
                return def != null ? def : empty(method.getReturnType());
            }
            return convert(key, raw, method.getReturnType());
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /** @return the configuration key a method of a component property type reads (without the prefix) */
    public static String key(String method) {
        StringBuilder b = new StringBuilder(method.length());
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c == '$') {
                if (method.startsWith("$_$", i)) {
                    b.append('-');
                    i += 2;
                } else if (method.startsWith("$$", i)) {
                    b.append('$');
                    i++;
                }
            } else if (c == '_') {
                if (method.startsWith("__", i)) {
                    b.append('_');
                    i++;
                } else {
                    b.append('.');
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String prefix(Class<?> type) {
        try {
            Field f = type.getField("PREFIX_");
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                return (String) f.get(null);
            }
        } catch (NoSuchFieldException | IllegalAccessException e) {
            // no prefix
        }
        return "";
    }

    private static Object empty(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == double.class) {
            return 0.0;
        }
        if (type.isArray()) {
            return Array.newInstance(type.getComponentType(), 0);
        }
        return null;
    }

    public static Object convert(String key, Object raw, Class<?> type) {
        List<Object> values = values(raw);
        if (type.isArray()) {
            Class<?> element = type.getComponentType();
            Object array = Array.newInstance(element, values.size());
            for (int i = 0; i < values.size(); i++) {
                Array.set(array, i, scalar(key, values.get(i), element));
            }
            return array;
        }
        if (values.isEmpty()) {
            return empty(type);
        }
        return scalar(key, values.get(0), type);
    }

    private static List<Object> values(Object raw) {
        List<Object> values = new ArrayList<>();
        if (raw.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(raw); i++) {
                values.add(Array.get(raw, i));
            }
        } else if (raw instanceof Collection<?> c) {
            values.addAll(c);
        } else {
            values.add(raw);
        }
        return values;
    }

    private static Object scalar(String key, Object value, Class<?> type) {
        if (type == String.class) {
            return String.valueOf(value);
        }
        if (type == long.class || type == Long.class) {
            return number(key, value, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (type == int.class || type == Integer.class) {
            return (int) number(key, value, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (type == boolean.class || type == Boolean.class) {
            if (value instanceof Boolean b) {
                return b;
            }
            String s = String.valueOf(value).trim();
            if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
                return Boolean.valueOf(s);
            }
            throw new IllegalArgumentException(key + "=" + value + " is neither true nor false");
        }
        if (type == double.class || type == Double.class) {
            if (value instanceof Number n) {
                return n.doubleValue();
            }
            try {
                return Double.parseDouble(String.valueOf(value).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + "=" + value + " is not a number");
            }
        }
        if (type.isEnum()) {
            String s = String.valueOf(value).trim();
            for (Object constant : type.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(s)) {
                    return constant;
                }
            }
            throw new IllegalArgumentException(key + "=" + value + " is not one of " + List.of(type.getEnumConstants()));
        }
        throw new IllegalArgumentException(key + ": values of type " + type.getSimpleName() + " are not supported");
    }

    /**
     * @return the whole number {@code value} stands for, within [min, max]
     * @throws IllegalArgumentException naming the key and the value
     */
    public static long number(String key, Object value, long min, long max) {
        long n;
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            n = ((Number) value).longValue();
        } else {
            try {
                n = Long.parseLong(String.valueOf(value).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + "=" + value + " is not a whole number");
            }
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(key + "=" + value + " is out of range " + min + ".." + max);
        }
        return n;
    }
}
