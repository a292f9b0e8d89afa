package org.resnet4j.ops.models;

import java.util.Arrays;

/**
 * Options for {@link ModelZoo#create}: torchvision's ResNet keyword arguments plus the number of input
 * channels. A null field means "the model's own default" (1000 classes for ImageNet layouts, 10 for
 * CIFAR layouts; 3 input channels except the Fashion-MNIST/MNIST seed models, which take 1).
 *
 * <pre>{@code ModelOptions.defaults().numClasses(10).inChannels(1)}</pre>
 */
public record ModelOptions(Integer numClasses, Integer inChannels, boolean zeroInitResidual, Integer groups,
                           Integer widthPerGroup, boolean[] replaceStrideWithDilation) {

    public ModelOptions {
        if (numClasses != null && numClasses < 1) throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        if (inChannels != null && inChannels < 1) throw new IllegalArgumentException("inChannels must be >= 1, got " + inChannels);
        if (groups != null && groups < 1) throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        if (widthPerGroup != null && widthPerGroup < 1) throw new IllegalArgumentException("widthPerGroup must be >= 1, got " + widthPerGroup);
        if (replaceStrideWithDilation != null && replaceStrideWithDilation.length != 3) {
            throw new IllegalArgumentException("replace_stride_with_dilation should be null or a 3-element array, got "
                    + Arrays.toString(replaceStrideWithDilation));
        }
        replaceStrideWithDilation = replaceStrideWithDilation == null ? null : replaceStrideWithDilation.clone();
    }

    public static ModelOptions defaults() {
        return new ModelOptions(null, null, false, null, null, null);
    }

    public ModelOptions numClasses(int n) {
        return new ModelOptions(n, inChannels, zeroInitResidual, groups, widthPerGroup, replaceStrideWithDilation);
    }

    public ModelOptions inChannels(int c) {
        return new ModelOptions(numClasses, c, zeroInitResidual, groups, widthPerGroup, replaceStrideWithDilation);
    }

    public ModelOptions zeroInitResidual(boolean z) {
        return new ModelOptions(numClasses, inChannels, z, groups, widthPerGroup, replaceStrideWithDilation);
    }

    public ModelOptions groups(int g) {
        return new ModelOptions(numClasses, inChannels, zeroInitResidual, g, widthPerGroup, replaceStrideWithDilation);
    }

    public ModelOptions widthPerGroup(int w) {
        return new ModelOptions(numClasses, inChannels, zeroInitResidual, groups, w, replaceStrideWithDilation);
    }

    public ModelOptions replaceStrideWithDilation(boolean layer2, boolean layer3, boolean layer4) {
        return new ModelOptions(numClasses, inChannels, zeroInitResidual, groups, widthPerGroup, new boolean[] {layer2, layer3, layer4});
    }

    @Override
    public boolean[] replaceStrideWithDilation() {
        return replaceStrideWithDilation == null ? new boolean[3] : replaceStrideWithDilation.clone();
    }

    int numClassesOr(int fallback) {
        return numClasses == null ? fallback : numClasses;
    }

    int inChannelsOr(int fallback) {
        return inChannels == null ? fallback : inChannels;
    }

    int groupsOr(int fallback) {
        return groups == null ? fallback : groups;
    }

    int widthPerGroupOr(int fallback) {
        return widthPerGroup == null ? fallback : widthPerGroup;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelOptions m && java.util.Objects.equals(numClasses, m.numClasses)
                && java.util.Objects.equals(inChannels, m.inChannels) && zeroInitResidual == m.zeroInitResidual
                && java.util.Objects.equals(groups, m.groups) && java.util.Objects.equals(widthPerGroup, m.widthPerGroup)
                && Arrays.equals(replaceStrideWithDilation(), m.replaceStrideWithDilation());
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(numClasses, inChannels, zeroInitResidual, groups, widthPerGroup)
                * 31 + Arrays.hashCode(replaceStrideWithDilation());
    }

    @Override
    public String toString() {
        return "ModelOptions(numClasses=" + numClasses + ", inChannels=" + inChannels + ", zeroInitResidual=" + zeroInitResidual
                + ", groups=" + groups + ", widthPerGroup=" + widthPerGroup + ", replaceStrideWithDilation="
                + Arrays.toString(replaceStrideWithDilation()) + ")";
    }
}
