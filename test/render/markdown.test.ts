import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InternalError } from '../../engine/errors.js';
import { blastRadius } from '../../engine/render/blast-radius.js';
import { splitIntoParts, type ListBlock } from '../../engine/render/comment-split.js';
import { escapeMarkdown, renderPlanComment, type CommentOptions } from '../../engine/render/markdown.js';
import { HOSTILE, emptyPlan, hostilePlan, largePlan, shrunkenExportPlan, smallMixedPlan } from './plans.js';
import { structureProblems, tableCells } from './markdown-structure.js';

const OPTIONS: CommentOptions = {
  environment: 'production', showPersonalData: false, commit: '3f1c9a2b7d4e5f60718293a4b5c6d7e8f9012345', repository: 'district/rosters',
};

const NEXT_COMMENT = '\n\n<!-- ════════ next comment ════════ -->\n\n';

function render(plan: Parameters<typeof renderPlanComment>[0], options: Partial<CommentOptions> = {}): string[] {
  const parts = renderPlanComment(plan, { ...OPTIONS, ...options });
  parts.forEach((part, i) => expect(structureProblems(part, options.environment ?? OPTIONS.environment, i + 1, parts.length)).toEqual([]));
  return parts;
}

/** What a reader sees: escapes undone, zero-width spaces dropped. */
function unescape(escaped: string): string {
  return escaped
    .replace(/\u200b/g, '')
    .replace(/\\(.)/gu, '$1')
    .replace(/&#124;/g, '|').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const markdownSoup = fc.string({
  unit: fc.constantFrom('<', '>', '|', '\\', '`', '*', '_', '[', ']', '(', ')', '#', '@', '\n', '\r', '&', ';', 'a', '1', ' ', '!', '-', ':', '.', '\u202e', '\u2028', '\u0000', '\ud800', 'é', '😀'),
  maxLength: 60,
});
const anyString = fc.oneof(markdownSoup, fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }));

describe('escapeMarkdown', () => {
  it('property: an escaped value stays inside its one table cell and holds no raw <, | or line break', () => {
    fc.assert(fc.property(anyString, (value) => {
      const escaped = escapeMarkdown(value, 10_000);
      expect(escaped).not.toMatch(/[<|\n\r\u2028\u2029]/);
      const row = `| before | ${escaped} | after |`;
      expect(tableCells(row)).toEqual(['before', escaped.trim(), 'after']);
    }), { numRuns: 2000 });
  });

  it('property: it loses nothing a reader needs (same text once rendered, line breaks as spaces)', () => {
    fc.assert(fc.property(markdownSoup, (value) => {
      // Buffer's UTF-8 round trip replaces lone surrogates with U+FFFD, as the escaper does.
      const expected = Buffer.from(value, 'utf8').toString('utf8').replace(/\u202e/g, '\uFFFD').replace(/[\u0000-\u001f\u2028]/g, ' ');
      expect(unescape(escapeMarkdown(value, 10_000))).toBe(expected);
    }), { numRuns: 1000 });
  });

  it.each([
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert\\(1\\)&gt;'],
    ['| **x** |', '&#124; \\*\\*x\\*\\* &#124;'],
    ['`code`', '\\`code\\`'],
    ['[link](http://evil)', '\\[link\\]\\(http\\://evil\\)'],
    ['@mention', '@\u200bmention'],
    ['#123', '\\#\u200b123'],
    ['two\nlines', 'two lines'],
  ])('escapes %j', (value, expected) => {
    expect(escapeMarkdown(value)).toBe(expected);
  });

  it('shortens long values to a limit counted in characters, not UTF-16 units', () => {
    expect(escapeMarkdown('😀'.repeat(10), 4)).toBe('😀😀😀…');
  });
});

describe('splitIntoParts', () => {
  const marker = (part: number, total: number) => `<!-- m ${part}/${total} -->`;
  const list = (items: string[]): ListBlock => ({ kind: 'list', open: '<details>\n\n', reopen: '<details>(again)\n\n', close: '\n</details>\n', items, oversized: '| too long |\n' });

  it('closes a list block before a break and reopens it after', () => {
    const parts = splitIntoParts('HEAD\n', [list(Array.from({ length: 10 }, (_, i) => `| row ${i} ${'x'.repeat(40)} |\n`))], { maxPartChars: 200, marker, continued: 'MORE\n' });
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThan(200);
      expect(part.split('<details>').length - 1).toBe(part.split('</details>').length - 1);
    }
    expect(parts[0]).toMatch(/^<!-- m 1\/\d+ -->\nHEAD\n/);
    expect(parts.filter((p) => p.includes('MORE\n<details>(again)')).length).toBeGreaterThan(0);
    expect(parts.join('').match(/\| row \d/g)).toHaveLength(10);
  });

  it('replaces an item too long for any part, and refuses a limit that cannot hold the summary', () => {
    const parts = splitIntoParts('HEAD\n', [list(['| short |\n', `| ${'y'.repeat(500)} |\n`])], { maxPartChars: 200, marker, continued: 'MORE\n' });
    expect(parts.join('')).toContain('| too long |');
    expect(() => splitIntoParts('H'.repeat(300), [], { maxPartChars: 200, marker, continued: '' })).toThrow(InternalError);
  });
});

describe('blast radius', () => {
  it('counts distinct people and courses per school and term', () => {
    const [lincoln, north] = blastRadius(shrunkenExportPlan());
    expect(lincoln).toMatchObject({ account: 'sch2', term: 'f25', coursesLosingEnrollments: 14, droppedEnrollments: 133, peopleLosingEnrollments: [{ role: 'student', people: 130 }, { role: 'teacher', people: 3 }] });
    expect(north).toMatchObject({ account: 'sch1', term: 's26', coursesLosingEnrollments: 4, droppedEnrollments: 4 });
  });

  it('counts a person once however many enrollments they lose', () => {
    const groups = blastRadius(smallMixedPlan());
    expect(groups[0]).toMatchObject({ account: 'sch1', term: 'f25', droppedEnrollments: 3, coursesLosingEnrollments: 2, peopleLosingEnrollments: [{ role: 'student', people: 2 }] });
  });
});

describe('renderPlanComment', () => {
  it('renders an empty plan', async () => {
    const parts = render(emptyPlan());
    expect(parts).toHaveLength(1);
    await expect(parts[0]).toMatchFileSnapshot('./__golden__/empty.md');
  });

  it('renders a small mixed plan that needs approval', async () => {
    const [body, ...rest] = render(smallMixedPlan());
    expect(rest).toEqual([]);
    expect(body).toMatch(/^<!-- rosterops:plan env=production part=1\/1 -->\n/);
    expect(body).toContain('⚠️ **Needs approval**');
    expect(body).toContain('**2 students** lose **2 courses**');
    expect(body).toContain('policies/approvals/');
    await expect(body).toMatchFileSnapshot('./__golden__/small-mixed.md');
  });

  it('renders a blocked plan from a shrunken export, truncating the long group', async () => {
    const [body] = render(shrunkenExportPlan());
    expect(body).toContain('⛔ **Blocked**');
    expect(body).toContain('`guards.shrink.minRatio`');
    expect(body).toContain('**130 students** and 3 teachers lose **14 courses**');
    expect(body).toContain('and 37 more drops');
    await expect(body).toMatchFileSnapshot('./__golden__/blocked-shrunken-export.md');
  });

  it('masks personal data by default and keeps SIS ids', () => {
    const [body] = render(smallMixedPlan());
    for (const secret of ['Ana María', 'Diaz', 'ana.diaz', 'cy.park', 'Cy Park', 'bo.chen', 'Okafor']) expect(body).not.toContain(secret);
    expect(body).toContain('s1001');
    expect(body).toContain('A\\. M\\. D\\.');
  });

  it('shows personal data when asked', () => {
    const [body] = render(smallMixedPlan(), { showPersonalData: true });
    expect(body).toContain('Ana María Diaz');
    expect(body).toContain('cy\\.park@\u200bk12\\.example\\.org');
  });

  describe('hostile values', () => {
    for (const showPersonalData of [false, true]) {
      const name = showPersonalData ? 'unmasked' : 'masked';
      it(`cannot change the comment's structure (${name})`, async () => {
        const parts = render(hostilePlan(), { showPersonalData });
        expect(parts).toHaveLength(1);
        const body = parts[0]!;
        // Exactly the renderer's own markup: one marker, the sections it writes, no injected table rows.
        expect(body.match(/<!--/g)).toHaveLength(1);
        expect(body.match(/<details>/g)).toHaveLength(2);
        expect(body.match(/^#{1,6} /gm)).toEqual(['### ', '#### ', '#### ', '#### ']);
        expect(body).not.toMatch(/@[\p{L}\p{N}_]/u);
        expect(body).not.toMatch(/(?<!&)#\d/);
        expect(body).not.toMatch(/\]\(/);
        const userRows = body.split('\n').filter((l) => /^\| (create|update) \|/.test(l));
        expect(userRows).toHaveLength(HOSTILE.length + 1);
        if (showPersonalData) {
          expect(body).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
          expect(body).toContain('@\u200bmention');
        } else {
          expect(body).not.toContain('mention');
          expect(body).not.toContain('onerror');
        }
        await expect(body).toMatchFileSnapshot(`./__golden__/hostile-${name}.md`);
      });
    }
  });

  it('splits a large plan into parts that each stand on their own', async () => {
    const maxPartChars = 5000;
    const parts = render(largePlan(60, 2), { maxPartChars, maxOperationsPerGroup: 20 });
    expect(parts.length).toBeGreaterThan(2);
    parts.forEach((part, i) => {
      expect(part.length).toBeLessThan(maxPartChars);
      expect(part.startsWith(`<!-- rosterops:plan env=production part=${i + 1}/${parts.length} -->\n`)).toBe(true);
    });
    expect(parts[0]).toContain('✅ **Within guards**');
    expect(parts[0]).toContain('| entity | create | update | adopt | drop |');
    expect(parts.slice(1).join('')).not.toContain('| entity | create |');
    expect(parts.at(-1)).toContain('<sub>plan `sha256:');
    expect(parts.slice(1).some((p) => p.includes('· continued</summary>'))).toBe(true);
    await expect(parts.join(NEXT_COMMENT)).toMatchFileSnapshot('./__golden__/split.md');
  });

  it('keeps every part of a 100,000-operation plan below the limit, summary first', () => {
    const plan = largePlan(20_000, 4);
    expect(plan.operations).toHaveLength(100_000);
    const parts = render(plan);
    for (const part of parts) expect(part.length).toBeLessThan(60_000);
    expect(parts[0]).toContain('| **total** | **60,000** | **·** | **·** | **40,000** |');
    expect(parts.join('')).toContain('and 19,900 more creates');
    expect(parts.join('')).toContain('and 39,900 more drops');
  });

  it('refuses an environment name the marker cannot carry', () => {
    expect(() => renderPlanComment(emptyPlan(), { ...OPTIONS, environment: 'prod --> <b>' })).toThrow(InternalError);
  });
});
