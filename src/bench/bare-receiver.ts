/**
 * The bare receiver of the `--floor` start-up floor: an ES module with nothing to load, started the
 * way share() starts a receiver (`node <module>` with an IPC channel), that tells its parent the
 * monotonic time at which its code runs, then disconnects and exits. What Node itself costs before
 * any receiver's code can run, and until a receiver with nothing left to do is joined (floors.ts,
 * spawnFloor).
 */
process.send?.({ at: String(process.hrtime.bigint()) }, undefined, {}, () => process.disconnect?.());
