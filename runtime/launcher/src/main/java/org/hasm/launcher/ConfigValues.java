package org.hasm.launcher;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the JSON properties of a feature's configuration into Configuration Admin values.
 *
 * <p>A key may end in a type, as in the Configurator format the feature format uses:
 * {@code "deadline.init.ms:Long": 10000}. Types: {@code String, Integer, Long, Float, Double,
 * Byte, Short, Character, Boolean}, the primitive names ({@code int, long, ...}), arrays of any
 * of them ({@code Long[]}, {@code int[]}) and {@code Collection<T>} of the boxed ones. Without a
 * type, a string stays a String, an integer becomes a Long, a decimal a Double, a boolean a
 * Boolean, and an array of one of those an array of it.
 */
final class ConfigValues {

    private ConfigValues() {
    }

    /**
     * @param json the properties as read from JSON
     * @return the properties with plain keys and typed values, in the same order
     * @throws IllegalArgumentException naming the key and saying what is wrong
     */
    static Map<String, Object> convert(Map<String, Object> json) {
        Map<String, Object> result = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : json.entrySet()) {
            String key = entry.getKey();
            int colon = key.lastIndexOf(':');
            String name = colon < 0 ? key : key.substring(0, colon);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("'" + key + "' has no property name");
            }
            try {
                Object value = colon < 0 ? untyped(entry.getValue()) : typed(key.substring(colon + 1), entry.getValue());
                if (result.put(name, value) != null) {
                    throw new IllegalArgumentException("is given twice");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("\"" + key + "\": " + e.getMessage(), e);
            }
        }
        return result;
    }

    static Object typed(String type, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("null is not a configuration value");
        }
        if (type.endsWith("[]")) {
            String element = type.substring(0, type.length() - 2);
            Class<?> elementClass = primitive(element);
            if (elementClass == null) {
                elementClass = boxed(element);
            }
            List<?> items = list(value);
            Object array = Array.newInstance(elementClass, items.size());
            for (int i = 0; i < items.size(); i++) {
                Array.set(array, i, scalar(element, items.get(i)));
            }
            return array;
        }
        if (type.startsWith("Collection<") && type.endsWith(">")) {
            String element = type.substring("Collection<".length(), type.length() - 1);
            boxed(element);
            List<Object> collection = new ArrayList<>();
            for (Object item : list(value)) {
                collection.add(scalar(element, item));
            }
            return collection;
        }
        return scalar(type, value);
    }

    static Object untyped(Object value) {
        if (value instanceof String || value instanceof Long || value instanceof Double || value instanceof Boolean) {
            return value;
        }
        if (value instanceof List<?> items) {
            if (items.isEmpty()) {
                return new String[0];
            }
            boolean strings = true;
            boolean longs = true;
            boolean numbers = true;
            boolean booleans = true;
            for (Object item : items) {
                strings &= item instanceof String;
                longs &= item instanceof Long;
                numbers &= item instanceof Long || item instanceof Double;
                booleans &= item instanceof Boolean;
            }
            String type = strings ? "String" : longs ? "Long" : numbers ? "Double" : booleans ? "Boolean" : null;
            if (type == null) {
                throw new IllegalArgumentException("an array without a type must hold only strings, only numbers"
                        + " or only booleans (add a type to the key, e.g. \"name:String[]\")");
            }
            return typed(type + "[]", items);
        }
        if (value == null) {
            throw new IllegalArgumentException("null is not a configuration value");
        }
        throw new IllegalArgumentException("an object is not a configuration value");
    }

    private static List<?> list(Object value) {
        if (value instanceof List<?> items) {
            return items;
        }
        throw new IllegalArgumentException("expected a JSON array");
    }

    private static Class<?> primitive(String type) {
        return switch (type) {
            case "int" -> int.class;
            case "long" -> long.class;
            case "float" -> float.class;
            case "double" -> double.class;
            case "byte" -> byte.class;
            case "short" -> short.class;
            case "char" -> char.class;
            case "boolean" -> boolean.class;
            default -> null;
        };
    }

    private static Class<?> boxed(String type) {
        return switch (type) {
            case "String" -> String.class;
            case "Integer" -> Integer.class;
            case "Long" -> Long.class;
            case "Float" -> Float.class;
            case "Double" -> Double.class;
            case "Byte" -> Byte.class;
            case "Short" -> Short.class;
            case "Character" -> Character.class;
            case "Boolean" -> Boolean.class;
            default -> throw new IllegalArgumentException("'" + type + "' is not a type (expected String, Integer, Long,"
                    + " Float, Double, Byte, Short, Character, Boolean, a primitive, T[] or Collection<T>)");
        };
    }

    private static Object scalar(String type, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("null is not a configuration value");
        }
        if (value instanceof Map || value instanceof List) {
            throw new IllegalArgumentException("expected a single " + type + " value");
        }
        String text = value.toString();
        try {
            switch (type) {
                case "String":
                    return text;
                case "Long": case "long":
                    return value instanceof Long l ? l : Long.valueOf(integral(value, text));
                case "Integer": case "int":
                    return Math.toIntExact(value instanceof Long l ? l : Long.parseLong(integral(value, text)));
                case "Short": case "short":
                    return narrow(value, text, Short.MIN_VALUE, Short.MAX_VALUE).shortValue();
                case "Byte": case "byte":
                    return narrow(value, text, Byte.MIN_VALUE, Byte.MAX_VALUE).byteValue();
                case "Double": case "double":
                    return value instanceof Boolean ? fail(type, text) : Double.valueOf(text);
                case "Float": case "float":
                    return value instanceof Boolean ? fail(type, text) : Float.valueOf(text);
                case "Boolean": case "boolean":
                    if (value instanceof Boolean b) {
                        return b;
                    }
                    if (text.equals("true") || text.equals("false")) {
                        return Boolean.valueOf(text);
                    }
                    return fail(type, text);
                case "Character": case "char":
                    return text.length() == 1 ? text.charAt(0) : fail(type, text);
                default:
                    boxed(type);
                    throw new IllegalArgumentException("'" + type + "' is not a type");
            }
        } catch (NumberFormatException | ArithmeticException e) {
            return fail(type, text);
        }
    }

    private static String integral(Object value, String text) {
        if (value instanceof Double || value instanceof Boolean) {
            throw new NumberFormatException(text);
        }
        return text.trim();
    }

    private static Long narrow(Object value, String text, long min, long max) {
        long number = value instanceof Long l ? l : Long.parseLong(integral(value, text));
        if (number < min || number > max) {
            throw new ArithmeticException();
        }
        return number;
    }

    private static Object fail(String type, String text) {
        throw new IllegalArgumentException("'" + text + "' is not a valid " + type);
    }
}
