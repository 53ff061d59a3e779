/**
 * A small district written to a temp folder: policies, a OneRoster 1.1 export and a Canvas
 * provisioning snapshot. Tests change one file to break it in exactly one way.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CanvasState } from '../../engine/model/canvas.js';
import { writeProvisioningDir } from '../../engine/canvas/report-files.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/engine/cli/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...options.env }, maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const ONEROSTER: Record<string, string> = {
  'manifest.csv': 'propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.academicSessions,bulk\nfile.classes,bulk\nfile.courses,bulk\nfile.enrollments,bulk\nfile.orgs,bulk\nfile.users,bulk\nfile.demographics,absent\n',
  'orgs.csv': 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\ndist,,,Test District,district,,\nsch1,,,North High,school,100,dist\n',
  'academicSessions.csv': 'sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\ny26,,,2025-2026,schoolYear,2025-08-18,2026-06-05,,2026\nf25,,,Fall 2025,semester,2025-08-18,2025-12-19,y26,2026\n',
  'courses.csv': 'sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\nalg,,,y26,Algebra I,ALG1,09,sch1,Math,\n',
  'classes.csv': 'sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\ncl1,,,Algebra I - P1,09,alg,ALG1-1,scheduled,101,sch1,f25,,,1\ncl2,,,Algebra I - P2,09,alg,ALG1-2,scheduled,101,sch1,f25,,,2\n',
  'users.csv': 'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n'
    + 'st1,,,true,sch1,student,ana.diaz,,Ana,Diaz,,1001,ana.diaz@k12.example.org,,,,09,\n'
    + 'st2,,,true,sch1,student,bo.chen,,Bo,Chen,,1002,bo.chen@k12.example.org,,,,09,\n'
    + 'te1,,,true,sch1,teacher,cy.park,,Cy,Park,,,cy.park@k12.example.org,,,,,\n',
  'enrollments.csv': 'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n'
    + 'e1,,,cl1,sch1,st1,student,false,2025-08-18,2025-12-19\ne2,,,cl1,sch1,te1,teacher,true,2025-08-18,2025-12-19\n'
    + 'e3,,,cl2,sch1,st2,student,false,2025-08-18,2025-12-19\ne4,,,cl2,sch1,te1,teacher,true,2025-08-18,2025-12-19\n',
};

export const POLICIES: Record<string, string> = {
  'main.yaml': `version: 1
sources:
  sis: { format: oneroster-1.1, path: ../sis }
  canvas: { snapshot: ../canvas }
timezone: America/Chicago
asOf: "2025-10-01"
identifiers:
  users:
    default: { user_id: "{{sourcedId}}", login_id: "{{username}}", email: "{{email}}", first_name: "{{givenName}}", last_name: "{{familyName}}" }
    student: { user_id: "s{{sourcedId}}" }
    teacher: { user_id: "staff_t{{sourcedId}}" }
rules:
  users: { missing: suspend, manual: adopt }
`,
};

export function emptyCanvas(): CanvasState {
  return { origin: 'test', accounts: [], terms: [], termOverrides: [], courses: [], sections: [], users: [], enrollments: [], warnings: [], digest: '' };
}

export interface Workspace {
  dir: string;
  policies: string;
  sis: string;
  canvas: string;
  write(relative: string, text: string): void;
}

export async function makeWorkspace(canvas: CanvasState = emptyCanvas()): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'rosterops-'));
  const ws: Workspace = {
    dir, policies: join(dir, 'policies'), sis: join(dir, 'sis'), canvas: join(dir, 'canvas'),
    write(relative, text) {
      writeFileSync(join(dir, relative), text);
    },
  };
  for (const sub of ['policies', 'sis', 'canvas']) mkdirSync(join(dir, sub));
  for (const [name, text] of Object.entries(ONEROSTER)) ws.write(`sis/${name}`, text);
  for (const [name, text] of Object.entries(POLICIES)) ws.write(`policies/${name}`, text);
  await writeProvisioningDir(canvas, ws.canvas, { timeZone: 'America/Chicago' });
  return ws;
}

/** Like runCli, but leaves the event loop free: needed when the test process also runs a server. */
export function runCliAsync(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}
