/**
 * What `plan` parses on the parse thread (util/parse-thread.ts) while the main thread works. The
 * SIS export's enrollments.csv goes first: it is the export's largest file and the SIS reader
 * needs it once it has read the users (readers/oneroster/index.ts). The Canvas report's files
 * follow: they are needed only after the SIS side is transformed. At 200,000 students that is
 * about 3.5 s of parsing off the main thread, finished about when each table is wanted.
 *
 * Whatever cannot be listed or parsed there is read as before on the main thread, which also
 * reports any error, in the same words and order.
 */
import type { CanvasState } from '../model/canvas.js';
import { DEFAULT_LIMITS, type InputLimits } from '../util/limits.js';
import { ParseThread, parseThreadWanted } from '../util/parse-thread.js';
import { listCanvasReport } from './canvas-report.js';
import { openPackage, type RosterPackage } from './oneroster/files.js';
import type { ReadOneRosterOptions } from './oneroster/index.js';

export interface BackgroundReading {
  /** For readOneRoster: the export as listed here, with its enrollments.csv taken from the thread. */
  sis: ReadOneRosterOptions;
  readCanvas(): Promise<CanvasState>;
  /** Stops the thread (the plan failed before it needed the files). */
  stop(): void;
}

export function startBackgroundParse(sisPath: string, snapshot: string, limits: InputLimits = DEFAULT_LIMITS): BackgroundReading {
  const canvas = listCanvasReport(snapshot, limits);
  const pkg = listedExport(sisPath, limits);
  const sisJob = pkg?.loaded.get('enrollments.csv')?.job ?? null;
  const jobs = [...(sisJob ? [sisJob] : []), ...(canvas.jobs ?? [])];
  const thread = jobs.length > 0 && parseThreadWanted(jobs.reduce((sum, j) => sum + j.size, 0)) ? ParseThread.start(jobs) : null;
  if (!thread) return { sis: pkg ? { listed: { pkg, enrollments: null } } : {}, readCanvas: canvas.readHere, stop: () => {} };
  // Tables are asked for when they are needed, not before: one the thread has not started by then
  // is parsed by the main thread (ParseThread.take).
  const canvasFrom = sisJob ? 1 : 0;
  const canvasCount = canvas.jobs?.length ?? 0;
  const readParsed = canvas.readParsed;
  return {
    sis: pkg ? { listed: { pkg, enrollments: sisJob ? () => thread.taken(0) : null } } : {},
    readCanvas: canvas.jobs ? () => readParsed(Array.from({ length: canvasCount }, (_, i) => thread.taken(canvasFrom + i))) : canvas.readHere,
    stop: () => thread.stop(),
  };
}

/** The export listed, or null when it cannot be (readOneRoster then lists it and reports why). */
function listedExport(path: string, limits: InputLimits): RosterPackage | null {
  try {
    return openPackage(path, undefined, limits);
  } catch {
    return null;
  }
}
