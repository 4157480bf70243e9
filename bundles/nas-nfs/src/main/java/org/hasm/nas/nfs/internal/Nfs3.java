package org.hasm.nas.nfs.internal;

/** Numbers of RFC 1813 (NFS version 3, MOUNT version 3) and RFC 1833 (portmapper version 2). */
final class Nfs3 {
    private Nfs3() {
    }

    static final int PROGRAM = 100003;
    static final int VERSION = 3;
    static final int MOUNT_PROGRAM = 100005;
    static final int MOUNT_VERSION = 3;
    static final int PORTMAP_PROGRAM = 100000;
    static final int PORTMAP_VERSION = 2;

    // NFSv3 procedures
    static final int NULL = 0;
    static final int GETATTR = 1;
    static final int SETATTR = 2;
    static final int LOOKUP = 3;
    static final int ACCESS = 4;
    static final int READLINK = 5;
    static final int READ = 6;
    static final int WRITE = 7;
    static final int CREATE = 8;
    static final int MKDIR = 9;
    static final int SYMLINK = 10;
    static final int MKNOD = 11;
    static final int REMOVE = 12;
    static final int RMDIR = 13;
    static final int RENAME = 14;
    static final int LINK = 15;
    static final int READDIR = 16;
    static final int READDIRPLUS = 17;
    static final int FSSTAT = 18;
    static final int FSINFO = 19;
    static final int PATHCONF = 20;
    static final int COMMIT = 21;

    /** The procedures' names, by number, as the metrics call them. */
    static final java.util.List<String> PROCEDURES = java.util.List.of("NULL", "GETATTR", "SETATTR", "LOOKUP",
            "ACCESS", "READLINK", "READ", "WRITE", "CREATE", "MKDIR", "SYMLINK", "MKNOD", "REMOVE", "RMDIR", "RENAME",
            "LINK", "READDIR", "READDIRPLUS", "FSSTAT", "FSINFO", "PATHCONF", "COMMIT");

    // MOUNT v3 procedures
    static final int MOUNTPROC_NULL = 0;
    static final int MOUNTPROC_MNT = 1;
    static final int MOUNTPROC_DUMP = 2;
    static final int MOUNTPROC_UMNT = 3;
    static final int MOUNTPROC_UMNTALL = 4;
    static final int MOUNTPROC_EXPORT = 5;

    // portmapper v2 procedures
    static final int PMAPPROC_NULL = 0;
    static final int PMAPPROC_GETPORT = 3;
    static final int PMAPPROC_DUMP = 4;
    static final int IPPROTO_TCP = 6;

    // nfsstat3
    static final int OK = 0;

    /** @return a reply status as the metrics call it: {@code ok}, or the error's name without NFS3ERR_ ({@code NOENT}) */
    static String statusName(int status) {
        return switch (status) {
            case OK -> "ok";
            case ERR_PERM -> "PERM";
            case ERR_NOENT -> "NOENT";
            case ERR_IO -> "IO";
            case ERR_NXIO -> "NXIO";
            case ERR_ACCES -> "ACCES";
            case ERR_EXIST -> "EXIST";
            case ERR_XDEV -> "XDEV";
            case ERR_NODEV -> "NODEV";
            case ERR_NOTDIR -> "NOTDIR";
            case ERR_ISDIR -> "ISDIR";
            case ERR_INVAL -> "INVAL";
            case ERR_FBIG -> "FBIG";
            case ERR_NOSPC -> "NOSPC";
            case ERR_ROFS -> "ROFS";
            case ERR_MLINK -> "MLINK";
            case ERR_NAMETOOLONG -> "NAMETOOLONG";
            case ERR_NOTEMPTY -> "NOTEMPTY";
            case ERR_DQUOT -> "DQUOT";
            case ERR_STALE -> "STALE";
            case ERR_REMOTE -> "REMOTE";
            case ERR_BADHANDLE -> "BADHANDLE";
            case ERR_NOT_SYNC -> "NOT_SYNC";
            case ERR_BAD_COOKIE -> "BAD_COOKIE";
            case ERR_NOTSUPP -> "NOTSUPP";
            case ERR_TOOSMALL -> "TOOSMALL";
            case ERR_SERVERFAULT -> "SERVERFAULT";
            case ERR_BADTYPE -> "BADTYPE";
            case ERR_JUKEBOX -> "JUKEBOX";
            default -> "other";
        };
    }
    static final int ERR_PERM = 1;
    static final int ERR_NOENT = 2;
    static final int ERR_IO = 5;
    static final int ERR_NXIO = 6;
    static final int ERR_ACCES = 13;
    static final int ERR_EXIST = 17;
    static final int ERR_XDEV = 18;
    static final int ERR_NODEV = 19;
    static final int ERR_NOTDIR = 20;
    static final int ERR_ISDIR = 21;
    static final int ERR_INVAL = 22;
    static final int ERR_FBIG = 27;
    static final int ERR_NOSPC = 28;
    static final int ERR_ROFS = 30;
    static final int ERR_MLINK = 31;
    static final int ERR_NAMETOOLONG = 63;
    static final int ERR_NOTEMPTY = 66;
    static final int ERR_DQUOT = 69;
    static final int ERR_STALE = 70;
    static final int ERR_REMOTE = 71;
    static final int ERR_BADHANDLE = 10001;
    static final int ERR_NOT_SYNC = 10002;
    static final int ERR_BAD_COOKIE = 10003;
    static final int ERR_NOTSUPP = 10004;
    static final int ERR_TOOSMALL = 10005;
    static final int ERR_SERVERFAULT = 10006;
    static final int ERR_BADTYPE = 10007;
    static final int ERR_JUKEBOX = 10008;

    // mountstat3
    static final int MNT_OK = 0;
    static final int MNT_ERR_NOENT = 2;
    static final int MNT_ERR_ACCES = 13;
    static final int MNT_ERR_SERVERFAULT = 10006;

    // ftype3
    static final int NF3REG = 1;
    static final int NF3DIR = 2;
    static final int NF3BLK = 3;
    static final int NF3CHR = 4;
    static final int NF3LNK = 5;
    static final int NF3SOCK = 6;
    static final int NF3FIFO = 7;

    // stable_how
    static final int UNSTABLE = 0;
    static final int DATA_SYNC = 1;
    static final int FILE_SYNC = 2;

    // createmode3
    static final int UNCHECKED = 0;
    static final int GUARDED = 1;
    static final int EXCLUSIVE = 2;

    // ACCESS bits
    static final int ACCESS_READ = 0x01;
    static final int ACCESS_LOOKUP = 0x02;
    static final int ACCESS_MODIFY = 0x04;
    static final int ACCESS_EXTEND = 0x08;
    static final int ACCESS_DELETE = 0x10;
    static final int ACCESS_EXECUTE = 0x20;

    // time_how
    static final int DONT_CHANGE = 0;
    static final int SET_TO_SERVER_TIME = 1;
    static final int SET_TO_CLIENT_TIME = 2;

    /** Largest handle NFSv3 allows (NFS3_FHSIZE). */
    static final int FHSIZE = 64;
    /** Size of a cookie verifier, a create verifier and a write verifier. */
    static final int VERFSIZE = 8;
    /** Longest name this server accepts (Linux NAME_MAX, in bytes). */
    static final int NAME_MAX = 255;
    /** Longest path a MNT may ask for (MNTPATHLEN). */
    static final int MNTPATHLEN = 1024;
    /** Largest READ and WRITE this server offers in FSINFO. */
    /**
     * The largest READ and WRITE (FSINFO's rtmax, wtmax and the preferred sizes), as kernel nfsd and
     * NFS-Ganesha offer: a client such as libnfs's nfs-cp sends one call at a time, so the size of a
     * call decides how many round trips a file costs (256 KiB made hasm's reads 4 times as many as
     * Ganesha's). oncrpc4j grows a reply's buffer as it is encoded.
     */
    static final int MAX_IO = 1024 * 1024;
}
