package org.hasm.launcher;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON file (comments allowed, as in feature files) into plain Java values: {@link Map}
 * (insertion ordered), {@link List}, {@link String}, {@link Long}, {@link Double},
 * {@link Boolean} and {@code null}.
 */
final class Json {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            // a key given twice is a mistake; silently keeping the last one hides it
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Json() {
    }

    /**
     * @throws LaunchException naming the file and, for a syntax error, the line and column
     */
    static Object read(Path file) throws LaunchException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new LaunchException(file + ": no such file");
        } catch (IOException e) {
            throw new LaunchException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        try (JsonParser parser = FACTORY.createParser(bytes)) {
            if (parser.nextToken() == null) {
                throw new LaunchException(file + ": not valid JSON: the file is empty");
            }
            Object value = value(parser);
            if (parser.nextToken() != null) {
                throw new LaunchException(at(file, parser.currentTokenLocation())
                        + ": not valid JSON: unexpected content after the end of the document");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new LaunchException(at(file, e.getLocation()) + ": not valid JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new LaunchException(file + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    /**
     * Parses a JSON document received from somewhere else (an SCM's admin API).
     *
     * @param what names the source in the message of the exception
     * @throws LaunchException if the text is not one JSON value
     */
    static Object parse(String text, String what) throws LaunchException {
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() == null) {
                throw new LaunchException(LaunchException.FAILED, what + ": an empty answer, not JSON");
            }
            Object value = value(parser);
            if (parser.nextToken() != null) {
                throw new LaunchException(LaunchException.FAILED, what + ": content after the end of the JSON document");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new LaunchException(LaunchException.FAILED, what + ": not valid JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new LaunchException(LaunchException.FAILED, what + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    private static Object value(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT: {
                Map<String, Object> object = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    object.put(name, value(parser));
                }
                return object;
            }
            case START_ARRAY: {
                List<Object> array = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(value(parser));
                }
                return array;
            }
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                // beyond a long, the parser reports the number with its location
                return parser.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return parser.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IllegalStateException("unexpected token " + token);
        }
    }

    private static String at(Path file, JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return file.toString();
        }
        return file + ":" + location.getLineNr() + ":" + location.getColumnNr();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "syntax error";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
