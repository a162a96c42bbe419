// PLACEHOLDER (being written): replaced by the reliability work.
import type { Command } from '../cli.js';
const todo: Command = async () => {
  throw new Error('not implemented yet');
};
export const ls = todo;
export const rm = todo;
export const sweep = todo;
