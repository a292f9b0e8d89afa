/**
 * The OpenCL backend: {@link org.resnet4j.opencl.OpenClBackend} runs every
 * {@link org.resnet4j.core.Backend} kernel on one OpenCL device with float32 tensors resident in
 * device memory ({@link org.resnet4j.opencl.OpenClStorage}).
 *
 * <ul>
 *   <li>Selection: {@code OpenClBackend.select("opencl" | "opencl:N" | "opencl:NAME")},
 *       {@code -Dresnet4j.device=...} through {@code fromSystemProperty()}, {@code listDevices()}.</li>
 *   <li>Kernels: the {@code .cl} resources beside these classes, built as one program per device and
 *       cached on disk ({@code ProgramCache}); SGEMM tilings per kind of device ({@link
 *       org.resnet4j.opencl.GemmTuning}, measured with {@link org.resnet4j.opencl.GemmTuner}).</li>
 *   <li>Traffic: only uploads, downloads and scalar reductions cross the bus, counted by
 *       {@link org.resnet4j.opencl.TransferStats}.</li>
 * </ul>
 */
package org.resnet4j.opencl;
