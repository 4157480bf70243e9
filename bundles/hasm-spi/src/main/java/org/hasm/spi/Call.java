package org.hasm.spi;

/** The five calls of the lifecycle SPI, in the order of one module's life. */
public enum Call {
    /** {@link HaModule#init(HaContext)} */
    INIT,
    /** {@link HaModule#test()} */
    TEST,
    /** {@link HaModule#opMode(OpMode, SysConfig)} */
    OPMODE,
    /** {@link HaModule#stop()} */
    STOP,
    /** {@link HaModule#shutDown()} */
    SHUTDOWN
}
