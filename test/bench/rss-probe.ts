/**
 * Preloaded into every measured child (`node --import <this> <script> ...`): when the process
 * exits, it writes its peak RSS and CPU times to the file named by ROSTEROPS_BENCH_PROBE. The
 * measured program itself (the real CLI entry point, dist/engine/cli/main.js) runs unchanged.
 *
 * process.resourceUsage() is getrusage(RUSAGE_SELF): maxRSS is the kernel's high-water mark of
 * the process's resident memory, threads included, so nothing is sampled and no short peak can be missed.
 */
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const target = process.env.ROSTEROPS_BENCH_PROBE;
// Worker threads (the plan's parse thread) load it too; only the process's own exit reports.
if (target && isMainThread) {
  process.on('exit', (code) => {
    const usage = process.resourceUsage();
    writeFileSync(target, JSON.stringify({ maxRssKB: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000, exitCode: code }));
  });
}
