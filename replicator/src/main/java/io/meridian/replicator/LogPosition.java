package io.meridian.replicator;


/** Where an appended record is in a log: its partition and offset. */
public record LogPosition(int partition, long offset) {
}
