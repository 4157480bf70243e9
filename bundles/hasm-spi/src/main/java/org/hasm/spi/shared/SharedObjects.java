package org.hasm.spi.shared;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Persistent shared objects (PSOM): named values kept identical on both SCMs of the pair. Provided
 * by hasm as a bundle-scoped service: each bundle that gets it has its own instance, and the locks
 * taken through that instance belong to the bundle.
 *
 * <h2>Names and values</h2>
 * A name is 1 to {@value #MAX_NAME_LENGTH} characters of {@code [A-Za-z0-9._~/@:+=-]}, by convention
 * {@code <service>/<what>} ({@code http/A/dav/lock/<token>}). A value is up to {@value
 * #MAX_VALUE_BYTES} bytes; a created object that was never written reads as an empty value.
 *
 * <h2>Locks</h2>
 * Writing or deleting needs the object's lock. The lock is cluster-wide and granted by the MASTER
 * (over the link when this SCM is the SLAVE); one holder at a time, not reentrant (a second
 * {@link #lock} of the same object waits, even from the same bundle). A lock is lost, and a later
 * write with it fails with {@link SharedObjectException.Reason#NOT_HELD}, when:
 * <ul>
 * <li>its bundle stops using this service (the bundle stops or is updated): every lock it holds is
 * released;</li>
 * <li>its SCM dies: the survivor releases the dead peer's locks at FAILOVER (and whenever the
 * status monitor finds the peer dead or restarted), so a holder that vanished never blocks the
 * object;</li>
 * <li>the MASTER dies while this SCM is SLAVE: the locks this SCM held stay held when it takes over
 * as MASTER; those of the dead one are released.</li>
 * </ul>
 *
 * <h2>What a returned write guarantees</h2>
 * When {@link #write} or {@link #delete} returns, the change is durable in this SCM's data folder
 * (a {@link Persistence#PERSISTENT} object: written to a temporary file, forced, renamed over the
 * old one, the folder forced; a crash at any instant leaves the old or the new value, never a mix)
 * and, while the peer is alive and synchronised, durable on the peer too. Alone (the peer dead,
 * DEGRADED; MONITOR; a standalone SCM) the change is local only, and the peer receives it when it
 * returns. A write the peer did not confirm in time fails with {@link
 * SharedObjectException.Reason#PEER}: its outcome is settled when the two resynchronise.
 *
 * <h2>Resynchronisation</h2>
 * Every change carries the writer's term (raised each time an SCM takes over alone) and a version.
 * When the peer returns, the copies are compared name by name: the higher term wins, then the
 * higher version; a tie with different contents is settled by the MASTER's copy. Deletions are
 * remembered, so a delete made while the peer was away is not undone.
 *
 * <h2>States</h2>
 * Reads and {@link #exists} always answer from this SCM's copy. Locks, writes, creates and deletes
 * work from the first {@code opMode} of the PSOM module on: in DAC with the peer, in DEGRADED and in
 * MONITOR (after the module's {@code stop}) alone, on this SCM only. Before it (BOOT, INIT) they fail
 * with {@link SharedObjectException.Reason#UNAVAILABLE}.
 *
 * <p>Safe to use from any thread. Implemented by hasm.
 */
@ProviderType
public interface SharedObjects {

    /** The longest name, in characters. */
    int MAX_NAME_LENGTH = 200;
    /** The largest value, in bytes. */
    int MAX_VALUE_BYTES = 32 * 1024;

    /**
     * Creates the object if it does not exist, on both SCMs. Needs no lock.
     *
     * @param name the object's name
     * @param persistence how long it lives
     * @return {@code true} if it was created, {@code false} if it existed already with that persistence
     * @throws SharedObjectException INVALID_NAME, CONFLICT (it exists with the other persistence),
     *     PEER, STORAGE, UNAVAILABLE
     */
    boolean create(String name, Persistence persistence) throws SharedObjectException;

    /**
     * @param name the object's name
     * @return whether the object exists on this SCM
     * @throws SharedObjectException INVALID_NAME
     */
    boolean exists(String name) throws SharedObjectException;

    /**
     * Takes the object's cluster-wide lock, waiting at most {@code wait} for its holder to let go.
     *
     * @param name an existing object
     * @param wait how long to wait; zero tries once
     * @return the lock, held until {@link #unlock} or until it is lost (see above)
     * @throws SharedObjectException NOT_FOUND, LOCK_TIMEOUT (the message names the holder),
     *     UNAVAILABLE (the MASTER cannot be reached), INVALID_NAME
     */
    SharedLock lock(String name, Duration wait) throws SharedObjectException;

    /**
     * Replaces the object's value under its lock; see above for what is guaranteed on return.
     *
     * @param lock the object's lock, held
     * @param value the new value, at most {@value #MAX_VALUE_BYTES} bytes
     * @throws SharedObjectException NOT_HELD, TOO_LARGE, PEER, STORAGE, NOT_FOUND
     */
    void write(SharedLock lock, byte[] value) throws SharedObjectException;

    /**
     * Releases the lock. Unlocking a lock that was lost already does nothing.
     *
     * @param lock a lock this service granted
     * @throws SharedObjectException UNAVAILABLE when the MASTER cannot be told (it releases the lock
     *     itself once this SCM is found dead, or when this bundle stops)
     */
    void unlock(SharedLock lock) throws SharedObjectException;

    /**
     * @param name the object's name
     * @return its value on this SCM (empty if never written), or empty if it does not exist
     * @throws SharedObjectException INVALID_NAME
     */
    Optional<byte[]> read(String name) throws SharedObjectException;

    /**
     * Deletes the object on both SCMs under its lock, and releases the lock, also when the deletion fails.
     *
     * @param lock the object's lock, held
     * @throws SharedObjectException NOT_HELD, PEER, STORAGE
     */
    void delete(SharedLock lock) throws SharedObjectException;

    /**
     * @param prefix the start of the names wanted; empty for all
     * @return the names of the existing objects that start with it, sorted
     */
    List<String> names(String prefix);
}
