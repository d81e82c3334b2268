import assert from 'node:assert/strict';
import { parseDurationSeconds } from '../../../gateway/core/identity/duration';

describe('identity: parseDurationSeconds', () => {
  const table: [string, number | undefined][] = [
    ['900', 900], ['90s', 90], ['15m', 900], ['1h', 3600], ['2 hours', 7200], ['1d', 86400], ['10min', 600],
    ['0', undefined], ['-5m', undefined], ['1.5h', undefined], ['15x', undefined], ['', undefined], ['m', undefined],
  ];
  for (const [text, expected] of table) it(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(parseDurationSeconds(text), expected));
});
