// PLACEHOLDER (being written): replaced by the benchmark work.
import type { Command } from '../cli.js';
export const report: Command = async () => {
  throw new Error('report: not implemented yet');
};
