// PLACEHOLDER (being written): replaced by the benchmark work.
import type { Command } from '../cli.js';
export const bench: Command = async () => {
  throw new Error('bench: not implemented yet');
};
