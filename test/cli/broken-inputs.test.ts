import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, ONEROSTER, POLICIES, runCli, type Workspace } from '../support/workspace.js';

interface Case {
  name: string;
  breakIt(ws: Workspace): void;
  /** Every pattern must appear in stderr: the file, the position and what is wrong. */
  expect: RegExp[];
}

const replaceIn = (ws: Workspace, file: string, from: string | RegExp, to: string) => {
  const path = join(ws.dir, file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));
};

const cases: Case[] = [
  {
    name: 'malformed YAML',
    breakIt: (ws) => ws.write('policies/main.yaml', POLICIES['main.yaml']!.replace('timezone: America/Chicago', 'timezone: [America/Chicago')),
    expect: [/main\.yaml:\d+:\d+/],
  },
  {
    name: 'unknown key',
    breakIt: (ws) => ws.write('policies/main.yaml', POLICIES['main.yaml']!.replace('timezone:', 'timezonee: UTC\ntimezone:')),
    expect: [/main\.yaml:5:1/, /timezonee/, /hint:/],
  },
  {
    name: 'bad template field',
    breakIt: (ws) => replaceIn(ws, 'policies/main.yaml', 's{{sourcedId}}', 's{{studentNumber}}'),
    expect: [/main\.yaml:10:\d+/, /studentNumber/, /hint:/],
  },
  {
    name: 'missing SIS file',
    breakIt: (ws) => rmSync(join(ws.sis, 'users.csv')),
    expect: [/users\.csv/, /hint:/],
  },
  {
    name: 'missing required column',
    breakIt: (ws) => ws.write('sis/users.csv', ONEROSTER['users.csv']!.replace(',username,', ',login,')),
    expect: [/users\.csv:1/, /username/, /hint:/],
  },
  {
    name: 'duplicate sourcedId',
    breakIt: (ws) => ws.write('sis/users.csv', ONEROSTER['users.csv']! + 'st1,,,true,sch1,student,ana2,,Ana,Diaz,,1009,ana2@k12.example.org,,,,09,\n'),
    expect: [/users\.csv:5/, /st1/, /users\.csv:2/],
  },
  {
    name: 'dangling reference',
    breakIt: (ws) => ws.write('sis/enrollments.csv', ONEROSTER['enrollments.csv']! + 'e9,,,nope,sch1,st1,student,false,,\n'),
    expect: [/enrollments\.csv:6/, /nope/],
  },
  {
    name: 'Canvas snapshot with a missing column',
    breakIt: (ws) => replaceIn(ws, 'canvas/users.csv', 'login_id', 'loginid'),
    expect: [/users\.csv:1/, /login_id/],
  },
];

describe('plan on broken inputs: located error, exit 1, nothing written', () => {
  it.each(cases)('$name', async (c) => {
    const ws = await makeWorkspace();
    c.breakIt(ws);
    const out = join(ws.dir, 'plan.json');
    const r = runCli(['plan', '--config', ws.policies, '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    for (const pattern of c.expect) expect(r.stderr).toMatch(pattern);
    expect(r.stderr).toMatch(/nothing was written or applied/);
    expect(existsSync(out)).toBe(false);
  });

  it('names both rows when two SIS people build one id', async () => {
    const ws = await makeWorkspace();
    ws.write('sis/users.csv', ONEROSTER['users.csv']!.replace('st2,,,true,sch1,student,bo.chen,,Bo,Chen', 'st2,,,true,sch1,student,bo.chen,,Bo,Diaz'));
    replaceIn(ws, 'policies/main.yaml', 's{{sourcedId}}', 's{{familyName}}');
    const r = runCli(['plan', '--config', ws.policies]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/users\.csv:3.*"sDiaz".*users\.csv:2/s);
  });

  it('validate reports the same located problems and exits 1', async () => {
    const ws = await makeWorkspace();
    replaceIn(ws, 'policies/main.yaml', 'missing: suspend', 'missing: vanish');
    const r = runCli(['validate', '--config', ws.policies]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/main\.yaml:\d+:\d+/);
    expect(r.stderr).toMatch(/suspend/);
  });
});
