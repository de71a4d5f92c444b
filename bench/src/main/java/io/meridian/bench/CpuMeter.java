package io.meridian.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU use over an interval from Linux's /proc: the machine's busy share and the cores used by named
 * processes (utime + stime). On other systems it reports nothing rather than guessing.
 */
final class CpuMeter {

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private final Map<String, Long> pids;
    private long[] machineStart;
    private final Map<String, Long> procStart = new LinkedHashMap<>();
    private long wallStart;

    CpuMeter(Map<String, Long> pids) {
        this.pids = pids;
    }

    void start() {
        machineStart = machine();
        pids.forEach((name, pid) -> procStart.put(name, ticks(pid)));
        wallStart = System.nanoTime();
    }

    /**
     * CPU used since {@link #start()}: wall seconds, the machine's busy share, and CPU-seconds per named
     * process (missing for a process whose /proc entry could not be read).
     */
    record Usage(double wallSeconds, double machineBusyPercent, Map<String, Double> cpuSeconds) {

        /** Cores used on average by the named processes together. */
        double cores() {
            return wallSeconds <= 0 ? 0 : cpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum() / wallSeconds;
        }
    }

    /** The usage since {@link #start()} (the meter can be stopped once per start). */
    Usage usage() {
        double seconds = (System.nanoTime() - wallStart) / 1e9;
        long[] end = machine();
        double busy = -1;
        if (machineStart != null && end != null) {
            long total = end[0] - machineStart[0];
            long idle = end[1] - machineStart[1];
            busy = total <= 0 ? 0 : Math.round(1000.0 * (total - idle) / total) / 10.0;
        }
        Map<String, Double> cpu = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            long a = procStart.getOrDefault(name, -1L);
            long b = ticks(pid);
            if (a >= 0 && b >= 0) {
                cpu.put(name, (b - a) / TICKS_PER_SECOND);
            }
        });
        return new Usage(seconds, busy, cpu);
    }

    /** {machineBusyPercent, <name>Cores...} since {@link #start()}. */
    Map<String, Double> stop() {
        Map<String, Double> out = new LinkedHashMap<>();
        double seconds = (System.nanoTime() - wallStart) / 1e9;
        long[] end = machine();
        if (machineStart != null && end != null) {
            long total = end[0] - machineStart[0];
            long idle = end[1] - machineStart[1];
            out.put("machineBusyPercent", total <= 0 ? 0 : Math.round(1000.0 * (total - idle) / total) / 10.0);
        }
        pids.forEach((name, pid) -> {
            long a = procStart.getOrDefault(name, -1L);
            long b = ticks(pid);
            if (a >= 0 && b >= 0) {
                out.put(name + "Cores", Math.round(100.0 * (b - a) / TICKS_PER_SECOND / seconds) / 100.0);
            }
        });
        return out;
    }

    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle + iowait
            return new long[] {total, idle};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
