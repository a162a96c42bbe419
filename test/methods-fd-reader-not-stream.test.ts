/**
 * The copying receivers (pipe, argument) read their inherited fd through a net.Socket. Given an fd
 * that is not a stream (a regular file), the socket cannot be made: the read fails with
 * ERR_NDSHARE_PROTOCOL naming the fd, and the fd is closed (the socket would have owned it), so
 * nothing leaks.
 */
import assert from 'node:assert/strict';
import { fstatSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readInto } from '../src/methods/fd-reader.js';
import { rejectsNdshare } from './helpers/errors.js';

test('fd-reader: a regular file instead of a stream is ERR_NDSHARE_PROTOCOL, and its fd is closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-fd-reader-test-'));
  try {
    const path = join(dir, 'not-a-stream');
    writeFileSync(path, Buffer.alloc(64, 1));
    const fd = openSync(path, 'r');
    await rejectsNdshare(readInto(fd, new Uint8Array(8), () => null, 'the test fd'), 'ERR_NDSHARE_PROTOCOL', /at fd \d+ for the test fd/);
    assert.throws(() => fstatSync(fd), { code: 'EBADF' }, 'the fd was closed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
