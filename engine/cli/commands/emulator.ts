/** `rosterops canvas-emulator`: a local Canvas for demos, CI smoke tests and any Canvas client. */
import { resolve } from 'node:path';
import { startCanvasEmulator } from '../../emulator/index.js';
import { ExitCode } from '../../errors.js';
import { registerSecret } from '../../util/redact.js';
import type { Output } from '../output.js';

export interface EmulatorFlags {
  port: number;
  token?: string;
  snapshot?: string;
  faults?: string;
  timeZone: string;
  processingDelay: number;
}

export async function emulatorCommand(output: Output, flags: EmulatorFlags): Promise<number> {
  const token = flags.token ?? process.env.CANVAS_TOKEN;
  if (!token) {
    output.err('error [emulator.no-token] the emulator needs a token to accept\n  hint: pass --token T or set CANVAS_TOKEN\n');
    return ExitCode.error;
  }
  registerSecret(token);
  const emulator = await startCanvasEmulator({
    port: flags.port, token, timeZone: flags.timeZone, processingDelayMs: flags.processingDelay,
    ...(flags.snapshot ? { snapshot: resolve(flags.snapshot) } : {}),
    ...(flags.faults ? { faults: flags.faults } : {}),
  });
  output.out(`Canvas emulator listening on ${emulator.url} (root account 1; Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    const stop = () => void emulator.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return ExitCode.ok;
}
