package org.hasm.wire;

/**
 * One authenticated frame as received.
 *
 * @param version protocol version it was sent with
 * @param type the application's frame type
 * @param sender the sending SCM's name
 * @param incarnation the sender's incarnation (drawn at each boot, grows across restarts)
 * @param sequence the sender's sequence number within that incarnation
 * @param payload the application data (a fresh array owned by the receiver)
 */
public record Frame(int version, int type, String sender, long incarnation, long sequence, byte[] payload) {
}
