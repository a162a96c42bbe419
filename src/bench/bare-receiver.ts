/**
 * The bare receiver of the `--floor` start-up floor: an ES module with nothing to load, started the
 * way share() starts a receiver (`node <module>` with an IPC channel), that tells its parent the
 * monotonic time at which its code runs, then disconnects. What Node itself costs before any
 * receiver's code can run (floors.ts, spawnFloor).
 */
process.send?.({ at: String(process.hrtime.bigint()) }, undefined, {}, () => process.disconnect?.());
