package org.hasm.nas.nfs.internal;

/** Numbers of NLM version 4 (RFC 1813, appendix II; X/Open XNFS) and NSM version 1 (XNFS, chapter 11). */
final class Nlm4 {
    private Nlm4() {
    }

    static final int PROGRAM = 100021;
    static final int VERSION = 4;
    static final int NSM_PROGRAM = 100024;
    static final int NSM_VERSION = 1;

    // NLM v4 procedures
    static final int NULL = 0;
    static final int TEST = 1;
    static final int LOCK = 2;
    static final int CANCEL = 3;
    static final int UNLOCK = 4;
    static final int GRANTED = 5;
    static final int TEST_MSG = 6;
    static final int LOCK_MSG = 7;
    static final int CANCEL_MSG = 8;
    static final int UNLOCK_MSG = 9;
    static final int GRANTED_MSG = 10;
    static final int TEST_RES = 11;
    static final int LOCK_RES = 12;
    static final int CANCEL_RES = 13;
    static final int UNLOCK_RES = 14;
    static final int GRANTED_RES = 15;
    static final int SHARE = 20;
    static final int UNSHARE = 21;
    static final int NM_LOCK = 22;
    static final int FREE_ALL = 23;

    // nlm4_stats
    static final int GRANTED_OK = 0;
    static final int DENIED = 1;
    static final int DENIED_NOLOCKS = 2;
    static final int BLOCKED = 3;
    static final int DENIED_GRACE_PERIOD = 4;
    static final int DEADLCK = 5;
    static final int ROFS = 6;
    static final int STALE_FH = 7;
    static final int FBIG = 8;
    static final int FAILED = 9;

    // fsh4_mode (what a SHARE denies others) and fsh4_access (what it wants)
    static final int FSM_DN = 0;
    static final int FSM_DRW = 3;
    static final int FSA_NONE = 0;
    static final int FSA_RW = 3;

    // NSM v1 procedures
    static final int SM_NULL = 0;
    static final int SM_STAT = 1;
    static final int SM_MON = 2;
    static final int SM_UNMON = 3;
    static final int SM_UNMON_ALL = 4;
    static final int SM_SIMU_CRASH = 5;
    static final int SM_NOTIFY = 6;
    static final int STAT_SUCC = 0;
    static final int STAT_FAIL = 1;

    /** LM_MAXSTRLEN: the longest caller name. */
    static final int MAXSTRLEN = 1024;
    /** MAXNETOBJ_SZ: the longest cookie or owner handle. */
    static final int MAXNETOBJ = 1024;
    /** LM_MAXNAMELEN: the longest name in FREE_ALL. */
    static final int MAXNAMELEN = 1025;
    /** SM_MAXSTRLEN. */
    static final int SM_MAXSTRLEN = 1024;
    static final int SM_PRIV = 16;
}
