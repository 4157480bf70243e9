package org.hasm.launcher;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** Reads a file in {@link Properties} syntax, UTF-8, reporting problems with the file's name. */
final class PropertiesFile {

    private PropertiesFile() {
    }

    /**
     * @return the properties, sorted by key, values without surrounding white space
     * @throws LaunchException if the file is missing, not UTF-8 or not in properties syntax
     */
    static Map<String, String> read(Path file) throws LaunchException {
        Properties properties = new Properties();
        // strict: a file saved in another encoding should fail loudly, not yield mangled values
        try (Reader reader = new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT))) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new LaunchException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new LaunchException(file + ": cannot be parsed: not UTF-8 text");
        } catch (IllegalArgumentException e) {
            // Properties.load's only syntax error: a bad backslash-u escape
            throw new LaunchException(file + ": cannot be parsed: " + e.getMessage());
        } catch (IOException e) {
            throw new LaunchException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        Map<String, String> result = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            result.put(key, properties.getProperty(key).strip());
        }
        return result;
    }
}
