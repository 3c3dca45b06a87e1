import { UsageError, type CliIO } from '../io.js';

export async function run(_args: string[], _io: CliIO): Promise<number> {
  throw new UsageError('staged: not implemented yet');
}
