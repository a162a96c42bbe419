/** Byte counts as people read them in messages: "80.0 MB (80004096 bytes)". */

const kUnits = ['kB', 'MB', 'GB', 'TB', 'PB'] as const;

/**
 * `bytes` in decimal units with one decimal (as `df -H` and Docker's `--shm-size` docs count),
 * followed by the exact count, which is what a limit file or `statfs` shows: "67.1 MB (67108864
 * bytes)". Below 1 kB only the exact count.
 */
export function humanSize(bytes: number): string {
  const exact = `${bytes} byte${bytes === 1 ? '' : 's'}`;
  if (!Number.isFinite(bytes) || Math.abs(bytes) < 1000) return exact;
  let v = bytes / 1000;
  let u = 0;
  // Round first, so 999_960 bytes reads "1.0 MB", not "1000.0 kB".
  while (Math.abs(Number(v.toFixed(1))) >= 1000 && u < kUnits.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${kUnits[u]} (${exact})`;
}
