package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The identities of the files of one volume, which file handles carry, kept on the volume itself so
 * that the SCM that serves the volume next (after a takeover, a failback, a restart of both) finds
 * them as they were.
 *
 * <p>A file's id is a random 63-bit number written into the file's extended attribute
 * {@value #XATTR} the first time a handle names it, and forced to the disk then (a file made over NFS
 * gets it before its name, and is forced with it). It moves with the file through every rename
 * (made over NFS, over HTTP or by an administrator) and dies with it: a new file that reuses the
 * inode gets a new id, so an old handle is STALE, never the new file. Files that cannot carry a user
 * attribute (symbolic links, devices; a file system without extended attributes) use their inode
 * number with the top bit set.
 *
 * <p>To find a file by its id, the index {@code .hasm-nfs/ids/<id>} on the volume says where it
 * was: its parent's id and its name, so renaming a folder leaves its contents' entries true. The
 * index is a hint: it is written without forcing (a crash may lose an entry), and when an entry is
 * missing or wrong (a rename behind this server's back) the export is searched for the inode the
 * handle also carries, at most {@code scanLimit} entries, and the entry written anew.
 *
 * <p>A file removed over NFS leaves a tombstone, {@code .hasm-nfs/gone/<id>} (an empty file, its entry
 * deleted), so its handle is STALE at once, without a search. Tombstones are kept {@link #TOMBSTONE_MS}
 * and then deleted ({@link #prune}, in the background, once the volume is opened and every
 * {@link #PRUNE_EVERY} removals): a volume where files come and go keeps at most an hour's removals,
 * not one file per file ever removed. A handle of a file removed longer ago is STALE all the same, after a
 * search. (A release before this one wrote tombstones in place, an entry of {@code "-"}; they are still
 * read as such, and deleted by the sweep below once older than that.)
 *
 * <p>An entry of a file removed or moved behind this service's back (over HTTP or SMB, by an
 * administrator) leads nowhere; nothing else deletes it. {@link #sweep} (daily, in the background)
 * deletes such entries once they are older than {@link #TOMBSTONE_MS}, but only where the index proves
 * it: the entry's folder is found, and the file of that name there is missing or another. An entry whose
 * folder cannot be found now is kept: it may lead somewhere again once its folder's entry is mended.
 * Deleting an entry that leads nowhere changes no answer: such an entry already sends a resolution to
 * the search.
 *
 * <p>Thread-safe: the cache is guarded by {@code this}; a moved file's entry is replaced atomically, a
 * tombstone written in place.
 */
final class FileIds {
    /** The folder at the volume's root where the NFS service keeps its state; hidden from clients. */
    static final String META = ".hasm-nfs";
    /** Names starting with this are hasm's own (this folder, the HTTP service's temporary files). */
    static final String RESERVED_PREFIX = ".hasm-";
    /** The user extended attribute holding a file's id (Java adds the {@code user.} namespace). */
    static final String XATTR = "hasm.nfs.id";
    static final long INODE_ID = 1L << 63;

    private static final int CACHE = 65_536;
    private static final String GONE = "-";
    /** The folder of the tombstones, beside {@code ids}. */
    static final String TOMBSTONES = "gone";
    /** How long a removed file's handle is known STALE without a search. */
    static final long TOMBSTONE_MS = TimeUnit.HOURS.toMillis(1);
    /** A prune is asked for after this many removals. */
    static final int PRUNE_EVERY = 4096;
    /** The most folders one {@link #sweep} remembers the place of; beyond, it forgets and finds them again. */
    private static final int SWEEP_FOLDERS = 65_536;

    /** What one {@link #sweep} did: entries looked at, entries (and temporary files) deleted, whether it ended. */
    record Swept(int seen, int deleted, boolean finished) {
    }

    /** An entry of the index: the id of the file's folder and its name there ({@code <16 hex digits>\n<name>}). */
    private record Place(long parent, String name) {
        /** @return the entry's place, or {@code null} if it is not an entry of that form (a tombstone, a torn write) */
        static Place parse(String entry) {
            int nl = entry.indexOf('\n');
            if (nl != 16 || !validName(entry.substring(nl + 1))) {
                return null;
            }
            try {
                return new Place(HexFormat.fromHexDigitsToLong(entry, 0, 16), entry.substring(nl + 1));
            } catch (IllegalArgumentException e) {
                return null; // not hexadecimal
            }
        }
    }
    private static final int MAX_DEPTH = 256;

    /** Thrown when an id names no file of the export any more. */
    static final class Stale extends Exception {
        private static final long serialVersionUID = 1L;

        Stale(String message) {
            super(message, null, false, false);
        }
    }

    private final Path root;
    private final Path index;
    private final Path tombstones;
    private final int scanLimit;
    private final Executor pruner;
    private final BooleanSupplier owned;
    private final LongSupplier clock;
    private final AtomicLong removals = new AtomicLong();
    private final AtomicBoolean pruneAsked = new AtomicBoolean();
    private final SecureRandom random = new SecureRandom();
    // Guarded by this: the last place each id was seen, newest last.
    private final LinkedHashMap<Long, Path> cache = new LinkedHashMap<>(1024, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Path> eldest) {
            return size() > CACHE;
        }
    };

    /**
     * @param pruner runs {@link #prune} in the background; one task at a time is asked of it
     * @param owned whether this SCM still owns the volume: a prune stops as soon as it does not
     * @param clock the wall clock, in ms, tombstones' times are compared with
     */
    FileIds(Path volumeRoot, int scanLimit, Executor pruner, BooleanSupplier owned, LongSupplier clock)
            throws IOException {
        this.root = volumeRoot;
        this.index = volumeRoot.resolve(META).resolve("ids");
        this.tombstones = volumeRoot.resolve(META).resolve(TOMBSTONES);
        this.scanLimit = scanLimit;
        this.pruner = pruner;
        this.owned = owned;
        this.clock = clock;
        Files.createDirectories(index);
        Files.createDirectories(tombstones);
    }

    Path root() {
        return root;
    }

    /**
     * @return the file's id, given one now if it has none (a file not made over NFS, an export's folder); a
     *     new id is forced to the disk before it is returned: a handle that carries it may outlive a power cut
     */
    long idOf(Path file, BasicFileAttributes attrs) throws IOException {
        if (!attrs.isRegularFile() && !attrs.isDirectory()) {
            return inodeId(attrs);
        }
        UserDefinedFileAttributeView view = view(file);
        long fresh;
        try {
            Long id = read(view);
            if (id != null) {
                return id;
            }
            fresh = random.nextLong() & ~INODE_ID;
            view.write(XATTR, ByteBuffer.allocate(8).putLong(fresh).flip());
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof NoSuchFileException) {
                throw (NoSuchFileException) e;
            }
            return inodeId(attrs); // no user attributes here
        }
        Records.forceInode(file);
        return fresh;
    }

    /**
     * Gives a file or folder this server has just made, under its staging name, a fresh id before it
     * gets its name, so that it appears with its id and the handle made for it next reads the id
     * instead of finding none (a failed read, a listing of the attributes, then a write).
     * On a file system without user attributes it gets none: {@link #idOf} then uses its inode.
     *
     * @throws NoSuchFileException if the file is gone
     */
    void assign(Path fresh) throws IOException {
        try {
            view(fresh).write(XATTR, ByteBuffer.allocate(8).putLong(random.nextLong() & ~INODE_ID).flip());
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof NoSuchFileException) {
                throw (NoSuchFileException) e;
            }
            // no user attributes here
        }
    }

    static long inode(BasicFileAttributes attrs) {
        Object key = attrs.fileKey();
        // "(dev=803,ino=1234)" on Linux: the only portable way Java shows the inode
        String s = String.valueOf(key);
        int i = s.indexOf("ino=");
        if (i < 0) {
            return 0;
        }
        int end = i + 4;
        while (end < s.length() && Character.isDigit(s.charAt(end))) {
            end++;
        }
        return Long.parseLong(s.substring(i + 4, end));
    }

    private static long inodeId(BasicFileAttributes attrs) {
        return inode(attrs) | INODE_ID;
    }

    private static UserDefinedFileAttributeView view(Path file) {
        return Files.getFileAttributeView(file, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static Long read(UserDefinedFileAttributeView view) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16);
        int n;
        try {
            n = view.read(XATTR, b);
        } catch (FileSystemException e) {
            // Java names no errno: the listing tells a file without an id from a failure (asked only then)
            if (!(e instanceof NoSuchFileException) && !view.list().contains(XATTR)) {
                return null;
            }
            throw e;
        }
        return n == 8 ? b.flip().getLong() : null;
    }

    /** @return whether {@code file} is the file with this id */
    private static boolean holds(Path file, long id) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if ((id & INODE_ID) != 0) {
                return inodeId(a) == id;
            }
            if (!a.isRegularFile() && !a.isDirectory()) {
                return false;
            }
            Long got = read(view(file));
            return got != null && got == id;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Records that the file with {@code id} is {@code file}, whose folder has {@code parentId}. */
    void placed(long id, long parentId, Path file) throws IOException {
        synchronized (this) {
            if (file.equals(cache.get(id))) {
                return;
            }
            cache.put(id, file);
        }
        String entry = hex(parentId) + "\n" + file.getFileName();
        Path f = entryFile(id);
        try {
            // a new file's first entry: written in place, one open; a reader that meets it half written
            // finds a wrong entry and searches, as for any wrong hint
            Files.writeString(f, entry, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return;
        } catch (FileAlreadyExistsException e) {
            // an entry is there: replaced atomically below unless it says the same
        }
        try {
            if (entry.equals(Files.readString(f, StandardCharsets.UTF_8))) {
                return;
            }
        } catch (IOException e) {
            // a damaged entry is replaced below
        }
        write(f, entry);
    }

    /**
     * Forgets a file that was removed: its handles are STALE from now on. Neither the tombstone nor the
     * entry's deletion is forced: a crash that loses either leaves an entry that leads to no file with
     * this id (it is removed before this is called), so a resolution searches and finds none: STALE all
     * the same.
     */
    void removed(long id) throws IOException {
        synchronized (this) {
            cache.remove(id);
        }
        if ((id & INODE_ID) == 0) {
            try {
                Files.createFile(tombstones.resolve(hex(id)));
            } catch (FileAlreadyExistsException e) {
                // removed before (a retransmission carried out again, a link's second name)
            }
            Files.deleteIfExists(entryFile(id));
            if (removals.incrementAndGet() % PRUNE_EVERY == 0) {
                askPrune();
            }
        }
    }

    /** Asks the pruner to delete the tombstones older than {@link #TOMBSTONE_MS}, unless it was asked already. */
    void askPrune() {
        if (!pruneAsked.compareAndSet(false, true)) {
            return;
        }
        try {
            pruner.execute(() -> {
                try {
                    prune(clock.getAsLong() - TOMBSTONE_MS);
                } finally {
                    pruneAsked.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            pruneAsked.set(false); // the volume is being closed
        }
    }

    /**
     * Deletes the tombstones made before {@code cutoffMillis} (by their modification time); stops early
     * if the thread is interrupted or the volume is no longer this SCM's. A tombstone that cannot be read
     * or deleted is left for the next prune.
     *
     * @return how many were deleted
     */
    int prune(long cutoffMillis) {
        int deleted = 0;
        try (DirectoryStream<Path> all = Files.newDirectoryStream(tombstones)) {
            for (Path p : all) {
                if (Thread.currentThread().isInterrupted() || !owned.getAsBoolean()) {
                    break;
                }
                try {
                    if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() < cutoffMillis
                            && Files.deleteIfExists(p)) {
                        deleted++;
                    }
                } catch (IOException e) {
                    // deleted meanwhile, or unreadable: left for the next prune
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // the folder cannot be listed now: the next prune tries again
        }
        return deleted;
    }

    /**
     * Deletes the index entries, older than {@code cutoffMillis}, that lead nowhere (see the class
     * comment), earlier releases' tombstones older than that, and temporary files a crash left there.
     * Stops early if the thread is interrupted or the volume is no longer this SCM's.
     *
     * @param exportFolders the folders of the volume's exports, where entries' chains of folders end
     */
    Swept sweep(Collection<Path> exportFolders, long cutoffMillis) {
        Map<Long, Path> folders = new HashMap<>();
        for (Path f : exportFolders) {
            try {
                Long id = existingId(f);
                if (id != null) {
                    folders.put(id, f);
                }
            } catch (IOException e) {
                // an export folder that cannot be read now: entries under it are kept
            }
        }
        Map<Long, Path> roots = Map.copyOf(folders);
        int seen = 0;
        int deleted = 0;
        try (DirectoryStream<Path> all = Files.newDirectoryStream(index)) {
            for (Path p : all) {
                if (Thread.currentThread().isInterrupted() || !owned.getAsBoolean()) {
                    return new Swept(seen, deleted, false);
                }
                seen++;
                try {
                    if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() >= cutoffMillis) {
                        continue;
                    }
                    String name = p.getFileName().toString();
                    boolean useless = name.startsWith(".") && name.endsWith(Records.TEMPORARY)
                            || name.length() == 16 && leadsNowhere(HexFormat.fromHexDigitsToLong(name),
                                    Files.readString(p, StandardCharsets.UTF_8), folders);
                    if (useless && Files.deleteIfExists(p)) {
                        deleted++;
                    }
                } catch (IOException | IllegalArgumentException e) {
                    // removed meanwhile, unreadable, or not an entry's name: kept
                }
                if (folders.size() > SWEEP_FOLDERS) {
                    folders.clear();
                    folders.putAll(roots);
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            return new Swept(seen, deleted, false);
        }
        return new Swept(seen, deleted, true);
    }

    /**
     * @return whether the entry of {@code id} is a tombstone of an earlier release, or names a folder that
     *     is found and a name in it that is missing or holds another file
     */
    private boolean leadsNowhere(long id, String entry, Map<Long, Path> folders) {
        if (GONE.equals(entry)) {
            return true;
        }
        Place place = Place.parse(entry);
        Path folder = place == null ? null : folder(place.parent(), folders, 0);
        return folder != null && !holds(folder.resolve(place.name()), id);
    }

    /** @return the folder with this id, found through the index from the export folders, or {@code null} */
    private Path folder(long id, Map<Long, Path> folders, int depth) {
        Path known = folders.get(id);
        if (known != null || depth > MAX_DEPTH) {
            return known;
        }
        String entry;
        try {
            entry = Files.readString(entryFile(id), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        Place place = Place.parse(entry);
        Path parent = place == null ? null : folder(place.parent(), folders, depth + 1);
        if (parent == null) {
            return null;
        }
        Path f = parent.resolve(place.name());
        if (!Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) || !holds(f, id)) {
            return null;
        }
        folders.put(id, f);
        return f;
    }

    /** @return the id a file or folder has now, as {@link #idOf} reads it, without giving it one; {@code null} if none */
    private static Long existingId(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile() && !a.isDirectory()) {
            return inodeId(a);
        }
        try {
            return read(view(file));
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof NoSuchFileException) {
                throw (NoSuchFileException) e;
            }
            return inodeId(a); // no user attributes here
        }
    }

    /** Forgets where a file was (after a rename), keeping it known. */
    synchronized void moved(long id) {
        cache.remove(id);
    }

    /**
     * @param exportRoot the export's folder; nothing outside it is ever returned
     * @param exportRootId the folder's id
     * @return the file with this id, inside the export
     * @throws Stale if there is no such file there
     */
    Path resolve(long id, long inodeHint, Path exportRoot, long exportRootId) throws Stale {
        return resolve(id, inodeHint, exportRoot, exportRootId, 0);
    }

    private Path resolve(long id, long inodeHint, Path exportRoot, long exportRootId, int depth) throws Stale {
        if (id == exportRootId) {
            return exportRoot;
        }
        if (depth > MAX_DEPTH) {
            throw new Stale("the folders above file " + hex(id) + " are nested deeper than " + MAX_DEPTH);
        }
        Path cached;
        synchronized (this) {
            cached = cache.get(id);
        }
        if (cached != null && cached.startsWith(exportRoot) && holds(cached, id)) {
            return cached;
        }
        String entry;
        try {
            entry = Files.readString(entryFile(id), StandardCharsets.UTF_8);
        } catch (IOException e) {
            entry = null;
        }
        if (GONE.equals(entry) || entry == null && Files.exists(tombstones.resolve(hex(id)), LinkOption.NOFOLLOW_LINKS)) {
            throw new Stale("file " + hex(id) + " was removed");
        }
        Place place = entry == null ? null : Place.parse(entry);
        if (place != null) {
            try {
                Path folder = resolve(place.parent(), 0, exportRoot, exportRootId, depth + 1);
                Path file = folder.resolve(place.name());
                if (file.getParent().equals(folder) && holds(file, id)) {
                    synchronized (this) {
                        cache.put(id, file);
                    }
                    return file;
                }
            } catch (Stale | IllegalArgumentException e) {
                // the entry leads nowhere: searched for below
            }
        }
        if (inodeHint == 0) {
            throw new Stale("file " + hex(id) + " is not where the index says");
        }
        Path found = scan(exportRoot, id, inodeHint);
        if (found == null) {
            throw new Stale("file " + hex(id) + " is not in the export");
        }
        try {
            BasicFileAttributes pa = Files.readAttributes(found.getParent(), BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            placed(id, idOf(found.getParent(), pa), found);
        } catch (IOException e) {
            // found all the same; the index is mended next time
        }
        return found;
    }

    /** Searches the export breadth-first for the file with this id, not following links. */
    private Path scan(Path exportRoot, long id, long inode) {
        Deque<Path> folders = new ArrayDeque<>();
        folders.add(exportRoot);
        int seen = 0;
        while (!folders.isEmpty() && seen < scanLimit) {
            Path folder = folders.poll();
            try (Stream<Path> children = Files.list(folder)) {
                for (Path child : (Iterable<Path>) children::iterator) {
                    if (++seen > scanLimit) {
                        break;
                    }
                    if (child.getFileName().toString().startsWith(RESERVED_PREFIX)) {
                        continue;
                    }
                    BasicFileAttributes a;
                    try {
                        a = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    } catch (IOException e) {
                        continue; // removed meanwhile
                    }
                    if (inode(a) == inode && holds(child, id)) {
                        return child;
                    }
                    if (a.isDirectory()) {
                        folders.add(child);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // a folder that went away meanwhile: go on with the others
            }
        }
        return null;
    }

    static boolean validName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\0') < 0;
    }

    private Path entryFile(long id) {
        return index.resolve(hex(id));
    }

    private void write(Path f, String entry) throws IOException {
        Path tmp = Records.temporary(f);
        Files.writeString(tmp, entry, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static String hex(long v) {
        return HexFormat.of().toHexDigits(v);
    }
}
