/** `rosterops apply --plan plan.json`. */
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { applyPlan, type ApplyRecord, type Approval } from '../../apply/apply.js';
import { connectCanvas } from '../../canvas/live.js';
import { ExitCode } from '../../errors.js';
import { readPlanFile } from '../../plan/plan-file.js';
import type { Output } from '../output.js';
import { loadConfig, progressPrinter, sisReader, type SourceFlags } from './plan.js';

export interface ApplyFlags extends SourceFlags {
  plan: string;
  allowNeedsApproval?: boolean;
  record?: string;
  verbose?: boolean;
}

export async function applyCommand(output: Output, flags: ApplyFlags, approval?: Approval): Promise<number> {
  const planPath = resolve(flags.plan);
  const plan = await readPlanFile(planPath);
  const config = await loadConfig(output, flags.config, flags.verbose);
  const log = (line: string) => output.err(`${line}\n`);
  const canvas = connectCanvas(config, { ...(flags.canvasUrl ? { url: flags.canvasUrl } : {}), log, onProgress: progressPrinter(output) });
  let granted = approval;
  if (!granted && flags.allowNeedsApproval && plan.verdict.status === 'needs-approval') {
    granted = { by: '--allow-needs-approval', planId: plan.planId };
  }
  const record = await applyPlan({ plan, config, sis: sisReader(config, flags), canvas, log, ...(granted ? { approval: granted } : {}) });
  const recordPath = resolve(flags.record ?? join(dirname(planPath), 'apply-record.json'));
  await writeFile(recordPath, JSON.stringify(record, null, 2) + '\n');
  output.out(renderRecord(record));
  output.err(`apply record written to ${recordPath}\n`);
  return record.converged ? ExitCode.ok : ExitCode.notConverged;
}

function renderRecord(r: ApplyRecord): string {
  const lines: string[] = [];
  if (r.imports.length === 0) return `Nothing to apply: plan ${r.planId} is empty.\n`;
  for (const imp of r.imports) {
    lines.push(`Import ${imp.id}: ${imp.workflowState} (${imp.rows} rows sent)`);
    const counts = Object.entries(imp.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
    if (counts.length) lines.push(`  counts: ${counts.join(', ')}`);
  }
  for (const m of r.messages.slice(0, 50)) {
    lines.push(`  ${m.severity}: ${m.file ?? '(import)'}${m.row ? `:${m.row}` : ''} ${m.message}${m.operations.length ? ` → ${m.operations.join(', ')}` : ''}`);
  }
  if (r.messages.length > 50) lines.push(`  … and ${r.messages.length - 50} more messages (see the apply record)`);
  if (r.converged) lines.push('Converged: a new plan is empty.');
  else {
    lines.push(`Not converged: ${r.remaining.length} operation(s) remain.`);
    for (const x of r.remaining.slice(0, 50)) lines.push(`  ${x.entity} ${x.action} ${x.key}: ${x.why}`);
  }
  return lines.join('\n') + '\n';
}
