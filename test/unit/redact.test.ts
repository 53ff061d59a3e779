import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, REDACTED, RUN_LENGTH, SecretRedactor } from '../../engine/util/redact.js';

/** Every RUN_LENGTH-character piece of `secret` that occurs in `text`. */
function leakedRuns(text: string, secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + RUN_LENGTH <= secret.length; i++) {
    const piece = secret.slice(i, i + RUN_LENGTH);
    if (text.includes(piece)) out.push(piece);
  }
  return out;
}

const TOKEN = '7~aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1t'; // 63 characters, like the issue's

function redactorFor(...secrets: string[]): SecretRedactor {
  const r = new SecretRedactor();
  for (const s of secrets) r.add(s);
  return r;
}

describe('redact', () => {
  it('replaces a whole token', () => {
    expect(redactorFor(TOKEN).redact(`token=${TOKEN}; done`)).toBe(`token=${REDACTED}; done`);
  });

  it.each([5, 12, 13, 30, 50, 62])('catches a token cut after %i characters, and one cut before its last characters', (n) => {
    const r = redactorFor(TOKEN);
    const head = r.redact(`Invalid access token ${TOKEN.slice(0, n)}`);
    const tail = r.redact(`…${TOKEN.slice(TOKEN.length - n)} was refused`);
    for (const text of [head, tail]) expect(leakedRuns(text, TOKEN)).toEqual([]);
    if (n >= RUN_LENGTH) expect(head).toContain(REDACTED);
  });

  it('catches a token split across lines and one quoted twice', () => {
    const r = redactorFor(TOKEN);
    const text = r.redact(`line 1 ${TOKEN.slice(0, 31)}\n${TOKEN.slice(31)} line 2 "${TOKEN}" ${TOKEN}`);
    expect(leakedRuns(text, TOKEN)).toEqual([]);
    expect(text.startsWith('line 1 ')).toBe(true);
    expect(text.endsWith(REDACTED)).toBe(true);
  });

  it('leaves ordinary text and short pieces alone', () => {
    const r = redactorFor(TOKEN);
    const text = `users: 807 updates; ${TOKEN.slice(0, RUN_LENGTH - 1)} is shorter than a run`;
    expect(r.redact(text)).toBe(text);
  });

  it('matches values shorter than a run only whole, and ignores values too short to be secrets', () => {
    const r = redactorFor('short-tok', 'abc');
    expect('short-tok'.length).toBeLessThan(RUN_LENGTH);
    expect(r.redact('a short-tok and abc')).toBe(`a ${REDACTED} and abc`);
    expect('abc'.length).toBeLessThan(MIN_SECRET_LENGTH);
  });

  it('keeps redacting the Authorization header whatever its value', () => {
    expect(new SecretRedactor().redact('Authorization: Bearer xyz\nauthorization: token abc')).toBe(`Authorization: Bearer ${REDACTED}\nauthorization: token ${REDACTED}`);
  });

  it('property: no run of 12 characters of a secret survives, wherever and however often it is quoted', () => {
    const secret = fc.string({ minLength: RUN_LENGTH, maxLength: 80, unit: 'grapheme-ascii' });
    fc.assert(fc.property(
      secret,
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 40 })), { minLength: 1, maxLength: 4 }),
      fc.string({ maxLength: 40 }),
      (s, pieces, tail) => {
        // Each piece: a run of >= 12 characters of the secret, at any offset, between arbitrary text.
        let text = '';
        for (const [a, b, filler] of pieces) {
          const start = a % (s.length - RUN_LENGTH + 1);
          const length = RUN_LENGTH + (b % (s.length - start - RUN_LENGTH + 1));
          text += filler + s.slice(start, start + length);
        }
        text += tail;
        const out = redactorFor(s).redact(text);
        expect(leakedRuns(out, s)).toEqual([]);
      },
    ), { numRuns: 500 });
  });

  it('property: repetitive secrets and texts (overlapping runs) are caught too', () => {
    fc.assert(fc.property(
      fc.string({ minLength: RUN_LENGTH, maxLength: 40, unit: fc.constantFrom('a', 'b', 'c') }),
      fc.string({ maxLength: 60, unit: fc.constantFrom('a', 'b', 'c', ' ') }),
      fc.nat(),
      (s, noise, at) => {
        const i = at % (noise.length + 1);
        const text = noise.slice(0, i) + s + noise.slice(i);
        expect(leakedRuns(redactorFor(s).redact(text), s)).toEqual([]);
      },
    ), { numRuns: 500 });
  });

  it('several secrets at once', () => {
    const other = 'ghs_fake_token_0123456789abcdef';
    const r = redactorFor(TOKEN, other);
    const text = r.redact(`${TOKEN.slice(3, 40)} and ${other.slice(5)}`);
    expect(leakedRuns(text, TOKEN)).toEqual([]);
    expect(leakedRuns(text, other)).toEqual([]);
  });
});
