package org.hasm.storage.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * Who owns a volume, at which epoch: the content of {@code owners/<volume>} on the shared storage.
 *
 * <pre>
 * # hasm volume ownership record: written by the storage module, do not edit
 * format=1
 * volume=data
 * owner=scm-a
 * epoch=4
 * incarnation=1764028800000
 * time=2026-11-25T00:00:00Z
 * check=1a2b3c4d
 * </pre>
 * {@code owner} is empty when the volume was released. The last line is a CRC-32 of every byte
 * before it: the record is replaced by an atomic rename, so a torn record should never exist, but
 * a storage that loses or scrambles blocks must read as an error, never as "free".
 *
 * <p>Both SCMs read the records, and during a rolling upgrade they run two releases: a record must
 * read the same in the previous release and the next. So: {@code format} is the layout's version (a
 * record without it, as the first releases wrote, is format 1); a later format only adds keys, which
 * every reader skips when it does not know them, and a key it knows but does not find is optional
 * unless it is one of the five above, which every format keeps with the same meaning; the lines may
 * come in any order. Readers therefore read every format.
 *
 * @param volume the volume's name (the record's file name)
 * @param owner the owning SCM, {@code ""} if released
 * @param epoch raised at every change of owner
 * @param incarnation which boot of the owner wrote it, for the operator
 * @param time when it was written (ISO-8601), for the operator
 */
record OwnerRecord(String volume, String owner, long epoch, long incarnation, String time) {

    /** The record of a volume that never had an owner: the first owner gets epoch 1. */
    static OwnerRecord never(String volume) {
        return new OwnerRecord(volume, "", 0, 0, "");
    }

    /** SCM names, as the launcher accepts them. */
    static final Pattern SCM_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    /** Volume names: a file name on every platform, never {@code .}/{@code ..} or hidden. */
    static final Pattern VOLUME_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}");
    /** Far above a real record: a bigger file is not a record, and fence() must stay cheap. */
    static final int MAX_BYTES = 4096;

    private static final String HEADER = "# hasm volume ownership record: written by the storage module, do not edit\n";
    private static final String CHECK = "check=";
    /** The layout this release writes. */
    static final int FORMAT = 1;

    OwnerRecord {
        if (owner == null) {
            owner = "";
        }
        if (time == null) {
            time = "";
        }
    }

    /** @return {@code true} if no SCM owns the volume */
    boolean released() {
        return owner.isEmpty();
    }

    /** @return {@code true} if {@code scm} owns the volume at exactly {@code atEpoch} */
    boolean ownedBy(String scm, long atEpoch) {
        return owner.equals(scm) && epoch == atEpoch;
    }

    byte[] encode() {
        String body = HEADER
                + "format=" + FORMAT + "\n"
                + "volume=" + volume + "\n"
                + "owner=" + owner + "\n"
                + "epoch=" + epoch + "\n"
                + "incarnation=" + incarnation + "\n"
                + "time=" + time + "\n";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return (body + CHECK + crc(b, b.length) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param expectedVolume the volume whose file this is: a record copied to the wrong name is an error
     * @param where the file, named in every error
     * @throws Damaged naming the file, if the bytes are not a whole, valid record
     */
    static OwnerRecord decode(byte[] bytes, String expectedVolume, String where) throws Damaged {
        try {
            return parse(bytes, expectedVolume, where);
        } catch (Damaged e) {
            throw e.withHint(bytes);
        }
    }

    private static OwnerRecord parse(byte[] bytes, String expectedVolume, String where) throws Damaged {
        if (bytes.length == 0) {
            throw corrupt(where, "empty (torn write?)");
        }
        if (bytes.length > MAX_BYTES) {
            throw corrupt(where, bytes.length + " bytes, not an ownership record");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(where, "not UTF-8 text");
        }
        if (!text.endsWith("\n")) {
            throw corrupt(where, "no end of line at the end (torn write?)");
        }
        int checkAt = text.lastIndexOf("\n" + CHECK, text.length() - 2);
        if (checkAt < 0) {
            throw corrupt(where, "no check line (torn write?)");
        }
        int bodyBytes = text.substring(0, checkAt + 1).getBytes(StandardCharsets.UTF_8).length;
        String check = text.substring(checkAt + 1 + CHECK.length(), text.length() - 1).trim();
        if (!check.equals(crc(bytes, bodyBytes))) {
            throw corrupt(where, "checksum mismatch (torn or damaged)");
        }
        Map<String, String> values = new HashMap<>();
        for (String line : text.substring(0, checkAt).split("\n", -1)) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw corrupt(where, "line '" + line + "' is not key=value");
            }
            values.put(line.substring(0, eq), line.substring(eq + 1));
        }
        String format = values.getOrDefault("format", "1");
        if (!format.matches("[1-9][0-9]{0,8}")) {
            throw corrupt(where, "format '" + format + "' is not a layout version");
        }
        String volume = required(values, "volume", where);
        if (!volume.equals(expectedVolume)) {
            throw corrupt(where, "it is the record of volume '" + volume + "', not of '" + expectedVolume + "'");
        }
        String owner = required(values, "owner", where);
        if (!owner.isEmpty() && !SCM_NAME.matcher(owner).matches()) {
            throw corrupt(where, "owner '" + owner + "' is not an SCM name");
        }
        long epoch = number(values, "epoch", where);
        if (epoch < 0) {
            throw corrupt(where, "epoch " + epoch + " is negative");
        }
        return new OwnerRecord(volume, owner, epoch, number(values, "incarnation", where), required(values, "time", where));
    }

    private static String required(Map<String, String> values, String key, String where) throws Damaged {
        String v = values.get(key);
        if (v == null) {
            throw corrupt(where, "no " + key);
        }
        return v;
    }

    private static long number(Map<String, String> values, String key, String where) throws Damaged {
        String v = required(values, key, where);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw corrupt(where, key + " '" + v + "' is not a number");
        }
    }

    private static String crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return String.format(Locale.ROOT, "%08x", crc.getValue());
    }

    private static Damaged corrupt(String where, String why) {
        return new Damaged("volume ownership record " + where + " is unreadable: " + why);
    }

    /**
     * A record whose bytes were read but are not a whole, valid record: damaged or torn, as opposed to
     * a file that cannot be read at all. It says nothing certain about the owner; {@link #epochHint}
     * is what an {@code epoch=} line among the bytes still says, a lower bound for the next epoch at best.
     */
    static final class Damaged extends IOException {
        private static final long serialVersionUID = 1L;
        private static final Pattern EPOCH_LINE = Pattern.compile("(?m)^epoch=([0-9]{1,18})$");

        private long epochHint = -1;

        Damaged(String message) {
            super(message);
        }

        /** @return the epoch the damaged bytes still show, or -1 */
        long epochHint() {
            return epochHint;
        }

        Damaged withHint(byte[] bytes) {
            // ISO-8859-1 maps every byte to one char: garbage cannot hide a line that is still there
            java.util.regex.Matcher m = EPOCH_LINE.matcher(new String(bytes, StandardCharsets.ISO_8859_1));
            while (m.find()) {
                epochHint = Math.max(epochHint, Long.parseLong(m.group(1)));
            }
            return this;
        }
    }
}
