package org.resnet4j.ops.optim;

/** What a scheduler needs to continue after a restart: its kind, its epoch counter and the lr it started from. */
public record SchedulerState(String type, int lastEpoch, double baseLr) {}
