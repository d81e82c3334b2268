import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../../gateway/config/load-config';

/** Issue 21: a price table with a mistake is refused at load, each problem at its file:line:col. */
describe('config: pricing table', () => {
  const refusal = (text: string) => {
    try {
      parseConfigText(text, 'gatehouse.yaml');
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e;
    }
    assert.fail('accepted');
  };

  it('accepts a table with globs, lists, currencies and the optional rates', () => {
    const config = parseConfigText([
      'usage: { includeStreamUsage: false, estimate: bytes }',
      'pricing:',
      '  - { model: gpt-4o-mini*, input: 0.15, cachedInput: 0.075, output: 0.6 }',
      '  - { upstream: [anthropic, bedrock-*], model: [claude-sonnet-4*], input: 3, cachedInput: 0.3, cacheWriteInput: 3.75, output: 15, currency: USD }',
      '  - { model: o4-mini, input: 1.1, output: 4.4, reasoning: 4.4, currency: EUR }',
      '',
    ].join('\n'), 'gatehouse.yaml');
    assert.equal(config.pricing?.length, 3);
    assert.equal(config.usage?.includeStreamUsage, false);
  });

  it('a negative price, a bad currency code and a missing output price, each at its place', () => {
    const err = refusal([
      'pricing:',
      '  - model: gpt-4o',
      '    input: -2.5',
      '    output: 10',
      '  - { model: gpt-4.1, input: 2, output: 8, currency: usd }',
      '  - { model: o3, input: 2 }',
      '',
    ].join('\n'));
    const where = err.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}`);
    assert.ok(where.includes('3:12 /pricing/0/input'), where.join('\n'));
    assert.ok(where.includes('5:54 /pricing/1/currency'), where.join('\n'));
    assert.ok(where.some((w) => w.startsWith('6:') && w.endsWith('/pricing/2')), where.join('\n'));
    assert.match(err.message, /^gatehouse\.yaml:3:12: error: \/pricing\/0\/input /m);
  });

  it('an entry an earlier one always takes never applies: refused with its place', () => {
    const err = refusal(['pricing:', '  - { model: "*", input: 1, output: 1 }', '  - { model: gpt-4o, input: 2.5, output: 10 }', ''].join('\n'));
    assert.equal(err.diagnostics.length, 1);
    const d = err.diagnostics[0]!;
    assert.deepEqual([d.line, d.column, d.path, d.code], [3, 5, '/pricing/1', 'ERR_CONFIG_PRICE_SHADOWED']);
    assert.match(err.message, /gatehouse\.yaml:3:5: error: \/pricing\/1 this price never applies: entry 0 before it already prices every model it names/);
  });
});
