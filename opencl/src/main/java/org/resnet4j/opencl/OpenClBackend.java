package org.resnet4j.opencl;

import static org.jocl.CL.*;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.resnet4j.core.Backend;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.DType;
import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;

/**
 * The {@link Backend} on one OpenCL device, float32, with every tensor resident in device memory.
 * Host and device exchange data only in {@link #fromFloats}/{@link #fromDoubles} (up),
 * {@link #toFloats}/{@link #toDoubles} (down) and the scalar results of the reductions and of the
 * cross-entropy forward (down); {@link #transfers()} counts them.
 *
 * <p>All kernels come from the {@code .cl} resources of this package, built as one program per
 * device (cached on disk, see {@link ProgramCache}). Every reduction has a fixed shape (work-group
 * size and stride), so results are reproducible run to run on the same device.
 *
 * <p>Kernel calls are enqueued on one in-order queue; methods are synchronized so that a backend can
 * be shared between threads (kernel arguments are per-kernel state in OpenCL).
 */
public final class OpenClBackend implements Backend {
    static final String[] SOURCES = {"gemm.cl", "reduce.cl", "elementwise.cl", "batchnorm.cl", "conv.cl", "pool.cl",
            "loss.cl", "random.cl", "optim.cl"};
    /** Work-groups of the host reductions: their partial sums are added on the host, in order. */
    private static final int REDUCE_GROUPS = 64;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Map<Integer, OpenClBackend> OPEN = new HashMap<>();

    private final DeviceInfo info;
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_program program;
    private final ProgramCache.Origin programOrigin;
    private final GemmTuning tuning;
    private final int reduceWg;
    private final int elementWg;
    private final long maxAlloc;
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final KernelProfiler profiler;
    private final BufferPool pool;

    private long h2dCount, h2dBytes, d2hCount, d2hBytes;
    private final java.util.concurrent.atomic.AtomicLong liveBytes = new java.util.concurrent.atomic.AtomicLong();

    // scratch buffers, owned by the backend and reused across calls (the queue is in order)
    // device work buffers reused across calls, grown on demand: im2col columns, GEMM output staging,
    // small reduction partials, and the one-float result of a scalar kernel
    private final Scratch colScratch = new Scratch(), argmaxScratch = new Scratch(), smallScratch = new Scratch(),
            scalarOut = new Scratch();
    private final cl_mem dummy;

    // ------------------------------------------------------------------ selection

    /** Descriptions of every OpenCL device, in the order that {@code opencl:N} indexes. */
    public static List<String> listDevices() {
        List<String> out = new ArrayList<>();
        for (DeviceInfo d : devices()) out.add(d.description());
        return out;
    }

    /** Every OpenCL device; throws {@link OpenClUnavailableException} with install advice when there is none. */
    public static List<DeviceInfo> devices() {
        List<DeviceInfo> out = new ArrayList<>();
        for (OpenClDevices.Found f : OpenClDevices.enumerate()) out.add(f.info());
        return out;
    }

    /**
     * The backend for a device spec: {@code opencl} (the first GPU, else the first device),
     * {@code opencl:N} (index in {@link #listDevices()}) or {@code opencl:NAME} (case-insensitive
     * substring of the platform, device or vendor name). One backend per device per JVM: the same
     * device always gives the same instance, so its program is built once.
     */
    public static OpenClBackend select(String spec) {
        List<OpenClDevices.Found> all = OpenClDevices.enumerate();
        OpenClDevices.Found f = OpenClDevices.resolve(spec, all);
        synchronized (OPEN) {
            OpenClBackend b = OPEN.get(f.info().index());
            if (b == null) {
                b = new OpenClBackend(f, ProgramCache.fromSystemProperties());
                OPEN.put(f.info().index(), b);
            }
            return b;
        }
    }

    /** {@link #select} with {@code -Dresnet4j.device} (default {@code opencl}). */
    public static OpenClBackend fromSystemProperty() {
        String spec = System.getProperty("resnet4j.device");
        return select(spec == null || spec.isBlank() ? "opencl" : spec);
    }

    OpenClBackend(OpenClDevices.Found found, ProgramCache cache) {
        this(found, cache, GemmTuning.chosen(found.info().type(), found.info().vendor(), found.info().deviceName(),
                found.info().maxWorkGroupSize()));
    }

    /**
     * A second backend on {@code device}'s device with another SGEMM tiling, apart from {@link #select}'s: tests run
     * the GPU tilings' whole convolution paths (split K, NCHW reads and stores) on whatever device they have.
     */
    static OpenClBackend withTiling(OpenClBackend device, GemmTuning tuning) {
        return new OpenClBackend(OpenClDevices.enumerate().get(device.info.index()), ProgramCache.fromSystemProperties(), tuning);
    }

    private OpenClBackend(OpenClDevices.Found found, ProgramCache cache, GemmTuning tuning) {
        this.info = found.info();
        cl_device_id device = found.device();
        this.tuning = tuning;
        this.reduceWg = (int) Math.min(256, Long.highestOneBit(Math.max(1, info.maxWorkGroupSize())));
        this.elementWg = (int) Math.min(64, Long.highestOneBit(Math.max(1, info.maxWorkGroupSize())));
        this.maxAlloc = OpenClDevices.deviceLong(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        this.pool = new BufferPool(info.globalMemBytes() / 4);
        org.jocl.cl_context_properties props = new org.jocl.cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, found.platform());
        this.context = clCreateContext(props, 1, new cl_device_id[] {device}, null, null, null);
        JvmSignalHandlers.restoreIfReplaced(); // PoCL's LLVM takes the JVM's crash handlers here (see JvmSignalHandlers)
        this.profiler = Boolean.getBoolean("resnet4j.opencl.profile") ? new KernelProfiler() : null;
        @SuppressWarnings("deprecation")
        cl_command_queue q = clCreateCommandQueue(context, device, profiler != null ? CL_QUEUE_PROFILING_ENABLE : 0, null);
        this.queue = q;
        String source = ProgramCache.loadSources(SOURCES);
        String options = tuning.buildOptions() + " -DREDUCE_WG=" + reduceWg;
        ProgramCache.Built built = cache.build(context, device, info, source, options);
        this.program = built.program();
        this.programOrigin = built.origin();
        this.dummy = clCreateBuffer(context, CL_MEM_READ_WRITE, 4, null, null);
    }

    // ------------------------------------------------------------------ introspection

    public DeviceInfo device() {
        return info;
    }

    public GemmTuning gemmTuning() {
        return tuning;
    }

    ProgramCache.Origin programOrigin() {
        return programOrigin;
    }

    cl_context context() {
        return context;
    }

    /** The command queue, after any held-back launch (see {@link #relu}): for kernels enqueued outside the backend. */
    synchronized cl_command_queue queue() {
        flush();
        return queue;
    }

    /** Transfers since the last {@link #resetTransfers()}. */
    public synchronized TransferStats transfers() {
        return new TransferStats(h2dCount, h2dBytes, d2hCount, d2hBytes);
    }

    public synchronized void resetTransfers() {
        h2dCount = h2dBytes = d2hCount = d2hBytes = 0;
    }

    /** Bytes of device memory held by live tensors of this backend. */
    public long liveDeviceBytes() {
        return liveBytes.get();
    }

    /** Bytes of device memory kept from released tensors for the next tensors of the same sizes. */
    public long pooledDeviceBytes() {
        return pool.pooledBytes();
    }

    /** Blocks until every enqueued kernel has finished (for timing). */
    @Override
    public synchronized void finish() {
        flush();
        clFinish(queue);
    }

    @Override
    public String name() {
        return "opencl:" + info.deviceName();
    }

    @Override
    public DType dtype() {
        return DType.FLOAT32;
    }

    // ------------------------------------------------------------------ memory

    private OpenClStorage storage(Tensor t) {
        if (!(t.storage() instanceof OpenClStorage s) || s.backend() != this) {
            throw new IllegalArgumentException("tensor " + t + " does not belong to backend " + name()
                    + "; move it with toFloats() and this backend's fromFloats() first");
        }
        return s;
    }

    private cl_mem mem(Tensor t) {
        cl_mem m = storage(t).mem();
        if (m == null) {
            throw new IllegalStateException("tensor " + t + " was released (its device buffer is freed) and cannot be used;"
                    + " a model releases its intermediate activations at its next forward and its intermediate gradients when"
                    + " backward is done with them");
        }
        return m;
    }

    /** The device buffer of one of this backend's tensors (for package code that runs its own kernels). */
    cl_mem memOf(Tensor t) {
        return mem(t);
    }

    private cl_mem memOrDummy(Tensor t) {
        return t == null ? dummy : mem(t);
    }

    private cl_mem allocate(long floats, int[] shapeForMessage) {
        long bytes = Math.max(4, floats * 4);
        if (bytes > maxAlloc) {
            throw new IllegalStateException("tensor " + Shape.str(shapeForMessage) + " needs " + (bytes >> 20) + " MiB but "
                    + info.deviceName() + " allows at most " + (maxAlloc >> 20) + " MiB per buffer; use a smaller batch or image size");
        }
        cl_mem reused = pool.take(bytes);
        if (reused != null) {
            liveBytes.addAndGet(bytes);
            return reused;
        }
        // Device buffers are released by the Cleaner once their tensors are unreachable, which the Java
        // heap (holding only small handles) would notice late: collect after every quarter of device
        // memory newly allocated (a reused buffer takes none), and once more before giving up on an
        // allocation.
        if (allocatedSinceGc.addAndGet(bytes) > info.globalMemBytes() / 4) {
            allocatedSinceGc.set(0);
            System.gc();
        }
        for (int attempt = 0; ; attempt++) {
            try {
                cl_mem m = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
                liveBytes.addAndGet(bytes);
                return m;
            } catch (CLException e) {
                if (attempt == 0 && isOutOfMemory(e)) {
                    collectGarbageBuffers();
                    continue;
                }
                throw outOfMemory("allocating tensor " + Shape.str(shapeForMessage) + " (" + bytes + " bytes)", e);
            }
        }
    }

    private final java.util.concurrent.atomic.AtomicLong allocatedSinceGc = new java.util.concurrent.atomic.AtomicLong();

    /** Device bytes newly allocated since the last collection this backend asked for (see {@link #allocate}). */
    long bytesAllocatedSinceCollection() {
        return allocatedSinceGc.get();
    }

    /** Runs a collection and gives the Cleaner up to a second to release the buffers it found. */
    private void collectGarbageBuffers() {
        flush();
        pool.clear();
        long before = liveBytes.get();
        System.gc();
        long deadline = System.nanoTime() + 1_000_000_000L;
        try {
            while (liveBytes.get() >= before && System.nanoTime() < deadline) Thread.sleep(10);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        pool.clear(); // what the collection returned went to the pool: free it for the allocation that failed
        allocatedSinceGc.set(0);
    }

    private static boolean isOutOfMemory(CLException e) {
        int s = e.getStatus();
        return s == CL_MEM_OBJECT_ALLOCATION_FAILURE || s == CL_OUT_OF_RESOURCES || s == CL_OUT_OF_HOST_MEMORY
                || s == CL_INVALID_BUFFER_SIZE;
    }

    private RuntimeException outOfMemory(String what, CLException e) {
        if (isOutOfMemory(e)) {
            return new IllegalStateException("out of OpenCL device memory on " + info.deviceName() + " " + what + ": "
                    + (liveBytes.get() >> 20) + " MiB held by live tensors of " + (info.globalMemBytes() >> 20)
                    + " MiB; use a smaller batch size or model", e);
        }
        return new IllegalStateException("OpenCL error on " + info.deviceName() + " " + what + ": " + e.getMessage(), e);
    }

    private Tensor wrap(cl_mem m, long floats, int[] shape) {
        OpenClStorage s = new OpenClStorage(this, m, floats);
        long bytes = Math.max(4, floats * 4);
        java.util.concurrent.atomic.AtomicLong live = liveBytes;
        BufferPool reuse = pool;
        s.setCleanable(CLEANER.register(s, () -> {
            reuse.give(m, bytes);
            live.addAndGet(-bytes);
        }));
        return new Tensor(s, shape);
    }

    @Override
    public synchronized Tensor zeros(int... shape) {
        long n = Shape.numel(shape);
        cl_mem m = allocate(n, shape);
        Tensor t = wrap(m, n, shape);
        fillMem(m, n, 0f);
        return t;
    }

    /**
     * Not filled: the kernel that receives it overwrites every element (the {@link Backend#empty}
     * contract), and a fill costs a pass over memory, 16% of a ResNet-50 training step's device time on an
     * H100. With {@code -Dresnet4j.opencl.poisonEmpty=true} (set for every test) it is filled with NaN
     * instead, so that a kernel writing only part of its output shows up as NaN in a result.
     */
    @Override
    public synchronized Tensor empty(int... shape) {
        long n = Shape.numel(shape);
        cl_mem m = allocate(n, shape);
        Tensor t = wrap(m, n, shape);
        if (POISON_EMPTY) fillMem(m, n, Float.NaN);
        return t;
    }

    private static final boolean POISON_EMPTY = Boolean.getBoolean("resnet4j.opencl.poisonEmpty");

    /** Frees the device buffer at once instead of when the garbage collector notices the tensor is gone. */
    @Override
    public synchronized void release(Tensor t) {
        flush();
        storage(t).release();
    }

    @Override
    public boolean isReleased(Tensor t) {
        return storage(t).isReleased();
    }

    @Override
    public synchronized Tensor fromFloats(float[] data, int... shape) {
        long n = Shape.numel(shape);
        if (data.length != n) {
            throw new IllegalArgumentException("data of length " + data.length + " does not fill shape " + Shape.str(shape)
                    + " (" + n + " elements)");
        }
        cl_mem m = allocate(n, shape);
        Tensor t = wrap(m, n, shape);
        if (n > 0) {
            flush();
            try {
                clEnqueueWriteBuffer(queue, m, CL_TRUE, 0, n * 4L, Pointer.to(data), 0, null, null);
            } catch (CLException e) {
                throw outOfMemory("copying tensor " + Shape.str(shape) + " to the device", e);
            }
            h2dCount++;
            h2dBytes += n * 4L;
        }
        return t;
    }

    @Override
    public Tensor fromDoubles(double[] data, int... shape) {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
        return fromFloats(f, shape);
    }

    @Override
    public synchronized float[] toFloats(Tensor t) {
        cl_mem m = mem(t);
        float[] out = new float[t.size()];
        if (out.length > 0) {
            flush();
            clEnqueueReadBuffer(queue, m, CL_TRUE, 0, out.length * 4L, Pointer.to(out), 0, null, null);
            d2hCount++;
            d2hBytes += out.length * 4L;
        }
        return out;
    }

    @Override
    public double[] toDoubles(Tensor t) {
        float[] f = toFloats(t);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Override
    public synchronized void copy(Tensor src, Tensor dst) {
        if (src.numel() != dst.numel()) throw new IllegalArgumentException("copy from " + src + " to " + dst + ": sizes differ");
        if (src.numel() == 0 || mem(src) == mem(dst)) return;
        flush();
        clEnqueueCopyBuffer(queue, mem(src), mem(dst), 0, 0, src.numel() * 4L, 0, null, null);
    }

    @Override
    public synchronized void fill(Tensor t, double value) {
        fillMem(mem(t), t.numel(), (float) value);
    }

    private void fillMem(cl_mem m, long n, float value) {
        run1("fill_f", n, m, (int) n, value);
    }

    // ------------------------------------------------------------------ launching

    private cl_kernel kernel(String name) {
        cl_kernel k = kernels.get(name);
        if (k == null) {
            k = clCreateKernel(program, name, null);
            kernels.put(name, k);
        }
        return k;
    }

    private void setArgs(cl_kernel k, Object[] args) {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof cl_mem m) clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
            else if (a instanceof Tensor t) clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(mem(t)));
            else if (a instanceof Integer v) clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
            else if (a instanceof Float v) clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
            else if (a instanceof Long v) clSetKernelArg(k, i, Sizeof.cl_ulong, Pointer.to(new long[] {v}));
            else if (a instanceof Boolean v) clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v ? 1 : 0}));
            else throw new IllegalArgumentException("unsupported kernel argument " + a);
        }
    }

    /**
     * One work-item per element; the kernel checks its index against the count. The global size is
     * rounded up to whole work-groups of {@link #elementWg}: left to the driver, a prime count would
     * get work-groups of one item.
     */
    private void run1(String name, long global, Object... args) {
        if (global <= 0) return;
        cl_kernel k = kernel(name);
        setArgs(k, args);
        long padded = (global + elementWg - 1) / elementWg * elementWg;
        enqueue(name, k, 1, new long[] {padded}, new long[] {elementWg});
    }

    /** {@code groups} work-groups of {@code local} work-items each. */
    private void runGroups(String name, long groups, int local, Object... args) {
        if (groups <= 0) return;
        cl_kernel k = kernel(name);
        setArgs(k, args);
        enqueue(name, k, 1, new long[] {groups * local}, new long[] {local});
    }

    private void enqueue(String name, cl_kernel k, int dims, long[] global, long[] local) {
        flush();
        cl_event done = profiler != null ? new cl_event() : null;
        try {
            clEnqueueNDRangeKernel(queue, k, dims, null, global, local, 0, null, done);
        } catch (CLException e) {
            // drivers that allocate lazily report a full device here, not at clCreateBuffer
            if (!isOutOfMemory(e)) throw outOfMemory("running kernel " + name, e);
            collectGarbageBuffers();
            try {
                clEnqueueNDRangeKernel(queue, k, dims, null, global, local, 0, null, done);
            } catch (CLException again) {
                throw outOfMemory("running kernel " + name, again);
            }
        }
        if (done != null) profiler.enqueued(name, done);
    }

    /**
     * Device time per kernel since the backend was made or {@link #resetKernelProfile()}, largest
     * total first. Needs {@code -Dresnet4j.opencl.profile=true} when the backend is created (the queue
     * then records each kernel's start and end); without it this is empty.
     */
    public synchronized List<KernelProfiler.Entry> kernelProfile() {
        flush();
        return profiler == null ? List.of() : profiler.entries();
    }

    public synchronized void resetKernelProfile() {
        if (profiler != null) profiler.reset();
    }

    /** A device buffer that only grows; its bytes count in liveBytes like any tensor's. */
    private final class Scratch {
        private cl_mem mem;
        private long floats;

        cl_mem atLeast(long n) {
            if (n > floats) {
                if (mem != null) {
                    clReleaseMemObject(mem);
                    liveBytes.addAndGet(-floats * 4);
                }
                mem = allocate(n, new int[] {(int) Math.min(Integer.MAX_VALUE, n)});
                floats = n;
            }
            return mem;
        }
    }

    private float[] readSmall(cl_mem m, int floats) {
        float[] out = new float[floats];
        flush();
        clEnqueueReadBuffer(queue, m, CL_TRUE, 0, floats * 4L, Pointer.to(out), 0, null, null);
        d2hCount++;
        d2hBytes += floats * 4L;
        return out;
    }

    // ------------------------------------------------------------------ matrix product

    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                                  Tensor a, int offA, int lda, Tensor b, int offB, int ldb,
                                  double beta, Tensor c, int offC, int ldc) {
        gemmMem(transA, transB, m, n, k, (float) alpha, mem(a), offA, lda, mem(b), offB, ldb, (float) beta, mem(c), offC, ldc, n, 0, 0, 0);
    }

    /**
     * C = alpha op(A) op(B) + beta C, where C's element (row, col) is at
     * {@code offC + row * ldc + (col / colGroup) * colGroupStride + col % colGroup}: a plain matrix with
     * colGroup = n and colGroupStride = 0, or a convolution's (channels x images*pixels) product written
     * straight into NCHW with colGroup = pixels per image and colGroupStride = floats per image (colGroup = 1,
     * ldc = 1 and colGroupStride = m store C transposed). B is read the same way along its contiguous index (n, or k
     * with transB): every bGroup of them start bGroupStride floats further on, so a convolution's dy in NCHW is
     * read as the (channels x images*pixels) matrix without a copy; bGroup = 0 for a plain B.
     */
    private void gemmMem(boolean transA, boolean transB, int m, int n, int k, float alpha,
                         cl_mem a, int offA, int lda, cl_mem b, int offB, int ldb,
                         float beta, cl_mem c, int offC, int ldc, int colGroup, int colGroupStride, int bGroup, int bGroupStride) {
        if (m <= 0 || n <= 0) return;
        long groupsN = (n + tuning.tileN() - 1) / tuning.tileN(), groupsM = (m + tuning.tileM() - 1) / tuning.tileM();
        int slices = kSlices(groupsM * groupsN, m, n, k);
        String name = bGroup > 0 ? tuning.groupedKernelName() : tuning.kernelName();
        cl_kernel kern = kernel(name);
        long[] global = {groupsN * tuning.workGroupN(), groupsM * tuning.workGroupM(), slices};
        long[] local = {tuning.workGroupN(), tuning.workGroupM(), 1};
        if (slices == 1) {
            setArgs(kern, new Object[] {m, n, k, alpha, a, offA, lda, transA, b, offB, ldb, transB, beta, c, offC, ldc, k, 0,
                    colGroup, colGroupStride, bGroup, bGroupStride});
            enqueue(name, kern, 3, global, local);
            return;
        }
        // split K: each slice's product goes to its own block of P, then the blocks are added in order
        int kPerSlice = kPerSlice(k, slices);
        slices = (k + kPerSlice - 1) / kPerSlice;
        global[2] = slices;
        cl_mem p = sliceScratch.atLeast((long) slices * m * n);
        setArgs(kern, new Object[] {m, n, k, 1f, a, offA, lda, transA, b, offB, ldb, transB, 0f, p, 0, n, kPerSlice, m * n, n, 0,
                bGroup, bGroupStride});
        enqueue(name + " (split K)", kern, 3, global, local);
        run1("gemm_slices_sum", (long) m * n, p, slices, m, n, alpha, beta, c, offC, ldc, colGroup, colGroupStride);
    }

    /**
     * How many slices to split K into: one, unless the product has fewer tiles of C than the device
     * has compute units and a long K (then enough slices to give every compute unit two work-groups,
     * each slice still at least {@value #MIN_K_PER_SLICE} deep, the partial blocks within
     * {@value #MAX_SLICE_FLOATS} floats).
     */
    int kSlices(long tiles, int m, int n, int k) {
        long target = workGroupTarget > 0 ? workGroupTarget : 2L * info.computeUnits();
        if (tiles >= target || k < 2 * MIN_K_PER_SLICE) return 1;
        long slices = Math.min((target + tiles - 1) / tiles, k / MIN_K_PER_SLICE);
        slices = Math.min(slices, Math.max(1, MAX_SLICE_FLOATS / ((long) m * n)));
        return (int) Math.max(1, slices);
    }

    /** Slice depth: K / slices rounded up to whole tiles of the kernel's K step. */
    private int kPerSlice(int k, int slices) {
        int step = tuning.tileK();
        int per = (k + slices - 1) / slices;
        return (per + step - 1) / step * step;
    }

    static final int MIN_K_PER_SLICE = 256;
    static final long MAX_SLICE_FLOATS = 16L << 20;
    private final Scratch sliceScratch = new Scratch();
    private long workGroupTarget;

    /**
     * Sets the work-group count below which products split K and batch norms split channels over
     * several work-groups (0: twice the compute units), so that tests on a small device split too.
     */
    synchronized void setWorkGroupTarget(long workGroups) {
        workGroupTarget = workGroups;
    }

    // ------------------------------------------------------------------ element-wise

    /**
     * An element-wise launch held back until the backend's next operation: a ReLU applied in place to its output
     * right after it (a residual sum or a batch norm followed by {@code ReLU(inplace=True)}, as in torchvision's
     * blocks) is then folded into it, one pass over the activations instead of two. Every other operation, read,
     * write, copy or release first launches it as it was ({@link #flush}). The launch's last kernel argument is the
     * ReLU flag; it keeps its tensors reachable, so their buffers cannot be freed or reused before it runs.
     */
    private record HeldBack(String kernel, long global, Object[] args, Tensor out, Tensor[] keep) {}

    private HeldBack heldBack;

    private void holdBack(String kernel, long global, Tensor out, Tensor[] keep, Object... args) {
        flush();
        heldBack = new HeldBack(kernel, global, args, out, keep);
    }

    /** Launches the held-back operation, if any, without a ReLU. */
    private void flush() {
        HeldBack h = heldBack;
        if (h == null) return;
        heldBack = null;
        launch(h, false);
    }

    private void launch(HeldBack h, boolean relu) {
        if (h.global() <= 0) return;
        Object[] args = java.util.Arrays.copyOf(h.args(), h.args().length + 1);
        args[args.length - 1] = relu;
        cl_kernel k = kernel(h.kernel());
        setArgs(k, args);
        long padded = (h.global() + elementWg - 1) / elementWg * elementWg;
        enqueue(relu ? h.kernel() + " + relu" : h.kernel(), k, 1, new long[] {padded}, new long[] {elementWg});
    }

    @Override
    public synchronized void add(Tensor a, Tensor b, Tensor out) {
        holdBack("add_f", out.numel(), out, new Tensor[0], a, b, out, out.size());
    }

    @Override
    public synchronized void axpy(double alpha, Tensor x, Tensor y) {
        run1("axpy_f", y.numel(), (float) alpha, x, y, y.size());
    }

    @Override
    public synchronized void scale(Tensor x, double alpha, Tensor out) {
        run1("scale_f", out.numel(), x, (float) alpha, out, out.size());
    }

    @Override
    public synchronized void mul(Tensor a, Tensor b, Tensor out) {
        run1("mul_f", out.numel(), a, b, out, out.size());
    }

    @Override
    public synchronized void relu(Tensor x, Tensor y) {
        HeldBack h = heldBack;
        if (h != null && x == y && h.out() == x) {
            // in place on what the held-back operation writes: fold it in
            heldBack = null;
            launch(h, true);
            return;
        }
        run1("relu_f", y.numel(), x, y, y.size());
    }

    @Override
    public synchronized void reluBackward(Tensor dy, Tensor y, Tensor dx) {
        run1("relu_backward_f", dx.numel(), dy, y, dx, dx.size());
    }

    private static int spatial(Tensor t) {
        int s = 1;
        for (int i = 2; i < t.rank(); i++) s *= t.dim(i);
        return s;
    }

    @Override
    public synchronized void addChannelBias(Tensor y, Tensor bias) {
        run1("add_channel_bias", y.numel(), y, bias, y.dim(1), spatial(y), y.size());
    }

    @Override
    public synchronized void sumPerChannelAccumulate(Tensor x, Tensor acc) {
        runGroups("sum_per_channel_acc", x.dim(1), reduceWg, x, acc, x.dim(0), x.dim(1), spatial(x));
    }

    // ------------------------------------------------------------------ reductions (to the host)

    private float[] partials(Tensor t, int mode) {
        cl_mem p = smallScratch.atLeast(REDUCE_GROUPS);
        runGroups("reduce_partials", REDUCE_GROUPS, reduceWg, t, t.size(), mode, p);
        return readSmall(p, REDUCE_GROUPS);
    }

    @Override
    public synchronized double sum(Tensor t) {
        double s = 0;
        for (float v : partials(t, 0)) s += v;
        return s;
    }

    @Override
    public synchronized double sumOfSquares(Tensor t) {
        double s = 0;
        for (float v : partials(t, 1)) s += v;
        return s;
    }

    @Override
    public synchronized double maxAbs(Tensor t) {
        double m = 0;
        for (float v : partials(t, 2)) {
            if (Float.isNaN(v)) return Double.NaN;
            m = Math.max(m, v);
        }
        return m;
    }

    /** Counts are float partials: exact while one work-group sees fewer than 2^24 non-finite values. */
    @Override
    public synchronized long countNonFinite(Tensor t) {
        long c = 0;
        for (float v : partials(t, 3)) c += (long) v;
        return c;
    }

    // ------------------------------------------------------------------ convolution

    // Per chunk of B images and per group g, with P = B*oh*ow columns (image, oy, ox):
    //   forward:         col (kk, P) = im2col(x);  y_g = W_g (copg, kk) * col, stored in NCHW order by the GEMM
    //   backward input:  col (kk, P) = W_g^T (kk, copg) * dy_g;  dx_g = col2im(col)
    //   backward weight: col = im2col(x);  dW_g^T (kk, copg) += col * dy_g^T (chunks in order)
    // where the GEMM reads dy_g (copg, P) straight from NCHW (its B groups) and stores dW_g^T as dW_g (C transposed).
    // B is as large as the scratch budget allows, so one GEMM covers many images.

    /** Float budget of the im2col scratch: 1/16 of device memory, at most 64 Mi floats (256 MiB). */
    private long colBudgetFloats() {
        if (colBudgetOverride > 0) return colBudgetOverride;
        return Math.max(1, Math.min(64L << 20, info.globalMemBytes() / 16));
    }

    private long colBudgetOverride;

    /** Caps the im2col scratch (in floats) so that tests can exercise several chunks; 0 restores the default. */
    synchronized void setColBudgetFloats(long floats) {
        colBudgetOverride = floats;
    }

    private int chunk(ConvGeometry g) {
        long kk = (long) g.cInPerGroup() * g.kH() * g.kW(), ohw = (long) g.outH() * g.outW();
        long perImage = Math.max(kk * ohw, (long) g.cOutPerGroup() * ohw);
        return (int) Math.max(1, Math.min(g.n(), colBudgetFloats() / perImage));
    }

    private Object[] convArgs(Object a0, Object a1, Object a2, Object a3, int b, ConvGeometry g) {
        return new Object[] {a0, a1, a2, a3, b, g.cInPerGroup(), g.h(), g.w(), g.kH(), g.kW(), g.strideH(), g.strideW(),
                g.padH(), g.padW(), g.dilationH(), g.dilationW(), g.outH(), g.outW()};
    }

    private void im2col(cl_mem x, int xOff, cl_mem col, int b, ConvGeometry g) {
        // dimension 0: columns (image, oy, ox); dimension 1: blocks of IM2COL_ROWS rows (see conv.cl)
        long cols = (long) b * g.outH() * g.outW(), rows = (long) g.cInPerGroup() * g.kH() * g.kW();
        cl_kernel k = kernel("im2col");
        setArgs(k, convArgs(x, xOff, g.cIn() * g.h() * g.w(), col, b, g));
        enqueue("im2col", k, 2, new long[] {(cols + elementWg - 1) / elementWg * elementWg, (rows + IM2COL_ROWS - 1) / IM2COL_ROWS},
                new long[] {elementWg, 1});
    }

    /** Rows of the im2col matrix per work-item: conv.cl's IM2COL_ROWS. */
    private static final int IM2COL_ROWS = 8;

    private void col2im(cl_mem col, cl_mem dx, int dxOff, int b, ConvGeometry g) {
        run1("col2im", (long) b * g.cInPerGroup() * g.h() * g.w(), convArgs(col, dx, dxOff, g.cIn() * g.h() * g.w(), b, g));
    }

    @Override
    public synchronized void conv2dForward(Tensor x, Tensor weight, Tensor bias, ConvGeometry g, Tensor y) {
        // y (n, cOut, oh, ow) = conv(x (n, cIn, h, w), w (cOut, cIn/g, kH, kW)) + bias
        cl_mem xm = mem(x), wm = mem(weight), ym = mem(y);
        int copg = g.cOutPerGroup(), cpg = g.cInPerGroup(), kk = cpg * g.kH() * g.kW();
        int ohw = g.outH() * g.outW(), hw = g.h() * g.w(), chunk = chunk(g);
        cl_mem col = colScratch.atLeast((long) kk * chunk * ohw);
        for (int i0 = 0; i0 < g.n(); i0 += chunk) {
            int b = Math.min(chunk, g.n() - i0), cols = b * ohw;
            for (int gr = 0; gr < g.groups(); gr++) {
                im2col(xm, (i0 * g.cIn() + gr * cpg) * hw, col, b, g);
                // W_g * col is (copg, b*ohw); the GEMM stores it as y's (b, copg, ohw) block
                gemmMem(false, false, copg, cols, kk, 1f, wm, gr * copg * kk, kk, col, 0, cols, 0f,
                        ym, (i0 * g.cOut() + gr * copg) * ohw, ohw, ohw, g.cOut() * ohw, 0, 0);
            }
        }
        if (bias != null) run1("add_channel_bias", y.numel(), ym, mem(bias), g.cOut(), ohw, y.size());
    }

    @Override
    public synchronized void conv2dBackwardInput(Tensor dy, Tensor weight, ConvGeometry g, Tensor dx) {
        // dx (n, cIn, h, w) = col2im(W_g^T * dy_g), overwritten
        cl_mem dym = mem(dy), wm = mem(weight), dxm = mem(dx);
        int copg = g.cOutPerGroup(), cpg = g.cInPerGroup(), kk = cpg * g.kH() * g.kW();
        int ohw = g.outH() * g.outW(), hw = g.h() * g.w(), chunk = chunk(g);
        cl_mem col = colScratch.atLeast((long) kk * chunk * ohw);
        for (int i0 = 0; i0 < g.n(); i0 += chunk) {
            int b = Math.min(chunk, g.n() - i0), cols = b * ohw;
            for (int gr = 0; gr < g.groups(); gr++) {
                // dy_g read in place as (copg, b*ohw): channel rows ohw apart, each image's pixels cOut*ohw further on
                gemmMem(true, false, kk, cols, copg, 1f, wm, gr * copg * kk, kk, dym, (i0 * g.cOut() + gr * copg) * ohw, ohw, 0f,
                        col, 0, cols, cols, 0, ohw, g.cOut() * ohw);
                col2im(col, dxm, (i0 * g.cIn() + gr * cpg) * hw, b, g);
            }
        }
    }

    @Override
    public synchronized void conv2dBackwardWeight(Tensor dy, Tensor x, ConvGeometry g, Tensor dWeight) {
        // dW_g (copg, kk) += dy_g (copg, P) * col^T (P, kk), chunks added in image order
        cl_mem dym = mem(dy), xm = mem(x), dwm = mem(dWeight);
        int copg = g.cOutPerGroup(), cpg = g.cInPerGroup(), kk = cpg * g.kH() * g.kW();
        int ohw = g.outH() * g.outW(), hw = g.h() * g.w(), chunk = chunk(g);
        cl_mem col = colScratch.atLeast((long) kk * chunk * ohw);
        for (int i0 = 0; i0 < g.n(); i0 += chunk) {
            int b = Math.min(chunk, g.n() - i0), cols = b * ohw;
            for (int gr = 0; gr < g.groups(); gr++) {
                im2col(xm, (i0 * g.cIn() + gr * cpg) * hw, col, b, g);
                // dW_g^T (kk, copg) += col (kk, P) * dy_g^T, so that dy_g is op(B) and read in place (as in backward input);
                // C is stored transposed (ldc 1, every column kk floats on) straight into dW_g (copg, kk)
                gemmMem(false, true, kk, copg, cols, 1f, col, 0, cols, dym, (i0 * g.cOut() + gr * copg) * ohw, ohw, 1f,
                        dwm, gr * copg * kk, 1, 1, kk, ohw, g.cOut() * ohw);
            }
        }
    }

    // ------------------------------------------------------------------ batch normalization

    @Override
    public synchronized void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y,
                                                   Tensor batchMean, Tensor batchVar, Tensor batchInvStd) {
        int n = x.dim(0), c = x.dim(1), hw = spatial(x), shares = bnShares(n, c, hw);
        if (shares == 1) {
            runGroups("bn_train_forward", c, reduceWg, x, memOrDummy(gamma), memOrDummy(beta), gamma != null, beta != null,
                    (float) eps, y, batchMean, batchVar, batchInvStd, n, c, hw);
            return;
        }
        // mean, then the variance about it (two passes, as above), each channel over `shares` work-groups
        cl_mem partial = bnPartials.atLeast(2L * c * shares);
        runGroups("bn_share_sums", (long) c * shares, reduceWg, x, batchMean, false, partial, n, c, hw, shares);
        run1("bn_finish_stats", c, partial, shares, n * hw, (float) eps, 0, batchMean, batchVar, batchInvStd, c);
        runGroups("bn_share_sums", (long) c * shares, reduceWg, x, batchMean, true, partial, n, c, hw, shares);
        run1("bn_finish_stats", c, partial, shares, n * hw, (float) eps, 1, batchMean, batchVar, batchInvStd, c);
        holdBack("bn_apply", x.numel(), y, new Tensor[] {gamma, beta}, x, batchMean, batchInvStd, memOrDummy(gamma),
                memOrDummy(beta), gamma != null, beta != null, y, c, hw, x.size());
    }

    /**
     * Work-groups per channel for the training-mode batch norm: one, unless the layer has fewer
     * channels than the device wants work-groups and each channel holds at least two shares of
     * {@value #BN_MIN_PER_SHARE} elements.
     */
    int bnShares(int n, int c, int hw) {
        long m = (long) n * hw, target = workGroupTarget > 0 ? workGroupTarget : 2L * info.computeUnits();
        if (c >= target || m < 2L * BN_MIN_PER_SHARE) return 1;
        return (int) Math.min((target + c - 1) / c, m / BN_MIN_PER_SHARE);
    }

    static final int BN_MIN_PER_SHARE = 4096;
    private final Scratch bnPartials = new Scratch(), bnSums = new Scratch();

    @Override
    public synchronized void batchNormEvalForward(Tensor x, Tensor runMean, Tensor runVar, Tensor gamma, Tensor beta,
                                                  double eps, Tensor y) {
        holdBack("bn_eval_forward", x.numel(), y, new Tensor[] {gamma, beta}, x, runMean, runVar, memOrDummy(gamma),
                memOrDummy(beta), gamma != null, beta != null, (float) eps, y, x.dim(1), spatial(x), x.size());
    }

    @Override
    public synchronized void batchNormTrainBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                                    Tensor dx, Tensor dGamma, Tensor dBeta) {
        int n = x.dim(0), c = x.dim(1), hw = spatial(x), shares = bnShares(n, c, hw);
        if (shares == 1) {
            runGroups("bn_train_backward", c, reduceWg, dy, x, memOrDummy(gamma), gamma != null, batchMean, batchInvStd, dx,
                    memOrDummy(dGamma), memOrDummy(dBeta), dGamma != null, dBeta != null, n, c, hw);
            return;
        }
        cl_mem partial = bnPartials.atLeast(2L * c * shares), sums = bnSums.atLeast(2L * c);
        runGroups("bn_backward_share_sums", (long) c * shares, reduceWg, dy, x, batchMean, batchInvStd, partial, n, c, hw, shares);
        run1("bn_backward_finish", c, partial, shares, sums, memOrDummy(dGamma), memOrDummy(dBeta), dGamma != null, dBeta != null, c);
        run1("bn_backward_apply", x.numel(), dy, x, memOrDummy(gamma), gamma != null, batchMean, batchInvStd, sums, dx, c, hw,
                n * hw, x.size());
    }

    @Override
    public synchronized void batchNormEvalBackward(Tensor dy, Tensor x, Tensor runMean, Tensor runVar, Tensor gamma, double eps,
                                                   Tensor dx, Tensor dGamma, Tensor dBeta) {
        runGroups("bn_eval_backward", x.dim(1), reduceWg, dy, x, runMean, runVar, memOrDummy(gamma), gamma != null, (float) eps,
                dx, memOrDummy(dGamma), memOrDummy(dBeta), dGamma != null, dBeta != null, x.dim(0), x.dim(1), spatial(x));
    }

    // ------------------------------------------------------------------ pooling

    @Override
    public synchronized void maxPool2dForward(Tensor x, PoolGeometry g, Tensor y) {
        run1("max_pool_forward", y.numel(), x, y, g.h(), g.w(), g.kH(), g.kW(), g.strideH(), g.strideW(), g.padH(), g.padW(),
                g.dilationH(), g.dilationW(), g.outH(), g.outW(), y.size());
    }

    @Override
    public synchronized void maxPool2dBackward(Tensor dy, Tensor x, PoolGeometry g, Tensor dx) {
        // each window's argmax once (ints in float-sized slots), then a gather per input element
        cl_mem argmax = argmaxScratch.atLeast(dy.size());
        run1("max_pool_argmax", dy.numel(), x, argmax, g.h(), g.w(), g.kH(), g.kW(), g.strideH(), g.strideW(), g.padH(),
                g.padW(), g.dilationH(), g.dilationW(), g.outH(), g.outW(), dy.size());
        run1("max_pool_backward", dx.numel(), dy, argmax, dx, g.h(), g.w(), g.kH(), g.kW(), g.strideH(), g.strideW(), g.padH(),
                g.padW(), g.dilationH(), g.dilationW(), g.outH(), g.outW(), dx.size());
    }

    @Override
    public synchronized void avgPool2dForward(Tensor x, PoolGeometry g, Tensor y) {
        run1("avg_pool_forward", y.numel(), x, y, g.h(), g.w(), g.kH(), g.kW(), g.strideH(), g.strideW(), g.padH(), g.padW(),
                g.countIncludePad(), g.divisorOverride(), g.outH(), g.outW(), y.size());
    }

    @Override
    public synchronized void avgPool2dBackward(Tensor dy, PoolGeometry g, Tensor dx) {
        run1("avg_pool_backward", dx.numel(), dy, dx, g.h(), g.w(), g.kH(), g.kW(), g.strideH(), g.strideW(), g.padH(), g.padW(),
                g.countIncludePad(), g.divisorOverride(), g.outH(), g.outW(), dx.size());
    }

    @Override
    public synchronized void adaptiveAvgPool2dForward(Tensor x, Tensor y) {
        run1("adaptive_avg_forward", y.numel(), x, y, x.dim(2), x.dim(3), y.dim(2), y.dim(3), y.size());
    }

    @Override
    public synchronized void adaptiveAvgPool2dBackward(Tensor dy, Tensor dx) {
        run1("adaptive_avg_backward", dx.numel(), dy, dx, dx.dim(2), dx.dim(3), dy.dim(2), dy.dim(3), dx.size());
    }

    // ------------------------------------------------------------------ channel moves

    @Override
    public synchronized void padChannels(Tensor x, int before, int after, Tensor y) {
        run1("pad_channels", y.numel(), x, y, x.dim(1), before, x.dim(1) + before + after, spatial(x), y.size());
    }

    @Override
    public synchronized void sliceChannels(Tensor dy, int start, Tensor dx) {
        run1("slice_channels", dx.numel(), dy, dx, dx.dim(1), start, dy.dim(1), spatial(dx), dx.size());
    }

    // ------------------------------------------------------------------ loss

    @Override
    public synchronized double crossEntropyForward(Tensor logits, Tensor labels, double labelSmoothing, Tensor probs) {
        int n = logits.dim(0), k = logits.dim(1);
        cl_mem rows = smallScratch.atLeast(n + 1L);
        run1("cross_entropy_rows", n, logits, labels, (float) labelSmoothing, probs, rows, n, k);
        // the mean lands in a one-float buffer so that only the scalar crosses the bus
        cl_mem out = scalarOut.atLeast(1);
        run1("mean_in_order", 1, rows, out, n);
        return readSmall(out, 1)[0];
    }

    @Override
    public synchronized void crossEntropyBackward(Tensor probs, Tensor labels, double labelSmoothing, double gradScale, Tensor dlogits) {
        run1("cross_entropy_backward", dlogits.numel(), probs, labels, (float) labelSmoothing, (float) gradScale, dlogits,
                probs.dim(0), probs.dim(1));
    }

    @Override
    public synchronized void softmax(Tensor logits, Tensor probs) {
        run1("softmax_rows", logits.dim(0), logits, probs, logits.dim(0), logits.dim(1));
    }

    // ------------------------------------------------------------------ randomness

    @Override
    public synchronized void dropoutMask(Tensor mask, double keepProb, long seed) {
        // u = r * 2^-24 < keepProb  <=>  r < ceil(keepProb * 2^24) (the product is exact in double)
        long bound = (long) Math.ceil(keepProb * 0x1p24);
        bound = Math.max(0, Math.min(1L << 24, bound));
        run1("dropout_mask", mask.numel(), mask, mask.size(), seed, bound, (float) (1.0 / keepProb));
    }

    /** Writes {@code Rng.uniformAt(seed, i)} for i in [0, n) into out, computed on the device (tests the port). */
    synchronized void uniformAt(Tensor out, long seed) {
        run1("uniform_at", out.numel(), out, out.size(), seed);
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    public synchronized void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, double lr, double momentum,
                                       double dampening, boolean nesterov, double weightDecay, boolean firstStep) {
        float mom = (float) momentum;
        if (mom != 0f && momentumBuffer == null) {
            throw new IllegalArgumentException("SGD with momentum " + momentum + " needs a momentum buffer for " + param);
        }
        run1("sgd_update", param.numel(), param, grad, memOrDummy(momentumBuffer), mom != 0f, (float) lr, mom,
                (float) (1 - dampening), nesterov, (float) weightDecay, firstStep, param.size());
    }

    @Override
    public synchronized void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1,
                                        double beta2, double eps, double weightDecay, boolean decoupledWeightDecay, long step) {
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        run1("adam_update", param.numel(), param, grad, expAvg, expAvgSq, (float) (lr / bc1), (float) Math.sqrt(bc2),
                (float) beta1, (float) beta2, (float) (1 - beta1), (float) (1 - beta2), (float) eps, (float) weightDecay, decoupledWeightDecay,
                (float) (1 - lr * weightDecay), param.size());
    }

    @Override
    public String toString() {
        return "OpenClBackend[" + info.description() + ", sgemm " + tuning.label() + "]";
    }
}
