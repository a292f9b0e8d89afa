/**
 * A small API for embedding a classifier in a JVM application: {@link org.resnet4j.ops.api.Classifier}
 * (build or load, predict, top-k, fine-tune), {@link org.resnet4j.ops.api.ImagePreprocessing}
 * (BufferedImage to normalized CHW) and {@link org.resnet4j.ops.api.Prediction}.
 */
package org.resnet4j.ops.api;
