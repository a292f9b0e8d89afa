/**
 * The ResNet family with torchvision's state_dict names: {@link org.resnet4j.ops.models.BasicBlock},
 * {@link org.resnet4j.ops.models.Bottleneck} and {@link org.resnet4j.ops.models.ResNet} (torchvision),
 * {@link org.resnet4j.ops.models.CifarResNet} (He et al. 2015, options A/B and plain nets), the
 * pre-activation units and nets of He et al. 2016, and the networks of the seed articles; built by
 * name through {@link org.resnet4j.ops.models.ModelZoo} and summarized by
 * {@link org.resnet4j.ops.models.ModelSummary}. Every block's backward shows the residual split:
 * the gradient of the sum goes unchanged into both branches, and the two input gradients add.
 */
package org.resnet4j.ops.models;
