/**
 * Checkpoints in the safetensors format: {@link org.resnet4j.ops.io.SafeTensors} (defensive reader,
 * atomic writer), {@link org.resnet4j.ops.io.StateDict} (a model's weights under torchvision's names,
 * loadable by PyTorch's {@code load_state_dict} and from PyTorch-written files) and
 * {@link org.resnet4j.ops.io.TrainingCheckpoint} (model, optimizer, scheduler and random state, for a
 * bit-identical resume). PyTorch's pickle-based {@code .pth} files are deliberately not read.
 */
package org.resnet4j.ops.io;
