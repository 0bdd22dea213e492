import { describe, expect, it } from 'vitest';
import { methodNames, parseArgs, statusForCode } from '../../../electron/api/contract';
import { CASES } from './contract-cases';

describe('API contract argument validation', () => {
  it('has a case for every method', () => {
    expect(Object.keys(CASES).sort()).toEqual([...methodNames].sort());
  });

  for (const m of methodNames) {
    it(`${m}: accepts good arguments and names the bad field`, () => {
      const ok = parseArgs(m, CASES[m].good);
      expect(ok.ok).toBe(true);
      for (const [args, field] of CASES[m].bad) {
        const r = parseArgs(m, args);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error.code).toBe('bad-arguments');
          expect(r.error.message).toContain(m);
          expect(r.error.message).toContain(`"${field}"`);
          expect(statusForCode(r.error.code)).toBe(400);
        }
      }
      // Not an object at all.
      const r = parseArgs(m, 42);
      expect(r.ok).toBe(false);
    });
  }
});
