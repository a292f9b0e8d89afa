package org.resnet4j.opencl;

import static org.jocl.CL.*;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;

/**
 * Adds up the device time of each kernel by name, from the start and end stamps a profiling queue
 * records. Events are read in batches (waiting for them), so a profiled run is slower overall, but
 * each kernel's own time is what the device measured.
 */
public final class KernelProfiler {
    /** One kernel's calls and device time in nanoseconds. */
    public record Entry(String kernel, long calls, long nanos) {}

    private static final int BATCH = 4096;
    private final List<String> pendingNames = new ArrayList<>();
    private final List<cl_event> pendingEvents = new ArrayList<>();
    private final Map<String, long[]> totals = new LinkedHashMap<>();

    void enqueued(String kernel, cl_event done) {
        pendingNames.add(kernel);
        pendingEvents.add(done);
        if (pendingEvents.size() >= BATCH) drain();
    }

    List<Entry> entries() {
        drain();
        List<Entry> out = new ArrayList<>();
        totals.forEach((k, v) -> out.add(new Entry(k, v[0], v[1])));
        out.sort(Comparator.comparingLong(Entry::nanos).reversed());
        return out;
    }

    void reset() {
        drain();
        totals.clear();
    }

    private void drain() {
        if (pendingEvents.isEmpty()) return;
        clWaitForEvents(pendingEvents.size(), pendingEvents.toArray(new cl_event[0]));
        long[] start = new long[1], end = new long[1];
        for (int i = 0; i < pendingEvents.size(); i++) {
            cl_event e = pendingEvents.get(i);
            clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start), null);
            clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null);
            clReleaseEvent(e);
            long[] t = totals.computeIfAbsent(pendingNames.get(i), k -> new long[2]);
            t[0]++;
            t[1] += end[0] - start[0];
        }
        pendingEvents.clear();
        pendingNames.clear();
    }
}
