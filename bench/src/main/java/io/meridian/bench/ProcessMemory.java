package io.meridian.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** A process's resident memory from Linux's /proc (next to {@link CpuMeter}'s CPU from the same place). */
public final class ProcessMemory {

    private ProcessMemory() { }

    /** {@code VmRSS} of {@code pid} in KiB; empty when it cannot be read (not Linux, or the process is gone). */
    public static OptionalLong residentKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) { // "VmRSS:     123456 kB"
                    String value = line.substring("VmRSS:".length()).trim();
                    int space = value.indexOf(' ');
                    return OptionalLong.of(Long.parseLong(space < 0 ? value : value.substring(0, space)));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return OptionalLong.empty();
    }
}
