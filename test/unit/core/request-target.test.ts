import assert from 'node:assert/strict';
import { checkRequestTarget, forwardedPath, withinPrefix } from '../../../gateway/core/request-target';

describe('core/request-target', () => {
  describe('refuses every target an upstream could resolve to another path', () => {
    const refused: [target: string, why: RegExp][] = [
      // The attacks of issue 15, as curl --path-as-is sends them.
      ['/v1/chat/completions/../../fine_tuning/jobs', /"\." or "\.\." segment/],
      ['/v1/chat/completions/%2e%2e/%2e%2e/models/gpt-4o/export', /"\." or "\.\." segment/],
      ['/azure/../../../internal/admin/chat/completions', /"\." or "\.\." segment/],
      // Dot segments in every spelling WHATWG URLs resolve (%2e in any case, mixed).
      ['/v1/./models', /segment/], ['/v1/%2E/models', /segment/], ['/v1/.%2e/x', /segment/], ['/v1/%2e./x', /segment/],
      ['/v1/%2E%2e/x', /segment/], ['/..', /segment/], ['/v1/models/..', /segment/], ['/v1/models/.', /segment/],
      // Encoded separators, raw backslash, empty segments.
      ['/v1/chat%2fcompletions', /encoded "\/"/], ['/v1/chat%2Fcompletions', /encoded/], ['/v1/x%5c..%5cy', /encoded/], ['/v1/x%5C', /encoded/],
      ['/v1\\..\\fine_tuning', /"\\"/], ['//v1/models', /empty segment/], ['/v1//models', /empty segment/],
      // Control characters, raw and encoded; bad percent-encoding.
      ['/v1/models%00.json', /control/], ['/v1/models\u0000', /control/], ['/v1/%0d%0aX-Injected:%201', /control/], ['/v1/%7f', /control/],
      ['/v1/models\t', /control/], ['/v1/models?x=\u0001', /control/],
      ['/v1/%', /percent-encoding/], ['/v1/%2', /percent-encoding/], ['/v1/%zz', /percent-encoding/], ['/v1/%%32e', /percent-encoding/],
      // Not a path, or characters RFC 3986 does not allow raw in one.
      ['http://evil.example/v1/models', /origin-form/], ['*', /origin-form/], ['', /origin-form/],
      ['/v1/models#x', /"#"/], ['/v1/a b', /" "/], ['/v1/{x}', /"\{"/], ['/v1/caf\u00e9', /non-ASCII/],
    ];
    for (const [target, why] of refused) {
      it(JSON.stringify(target), () => {
        const checked = checkRequestTarget(target);
        assert.equal(checked.ok, false);
        assert.match((checked as { reason: string }).reason, why);
      });
    }
  });

  describe('puts what passes in one normal form', () => {
    const passed: [target: string, path: string, query: string][] = [
      ['/', '/', ''],
      ['/v1/chat/completions', '/v1/chat/completions', ''],
      ['/v1/chat/completions?api-version=2024-06-01', '/v1/chat/completions', '?api-version=2024-06-01'],
      // Encoded characters allowed raw in a segment are decoded: judged as the endpoint they reach.
      ['/v1/ch%61t/completions', '/v1/chat/completions', ''],
      ['/v1/fine%5Ftuning/jobs', '/v1/fine_tuning/jobs', ''],
      ['/v1/models/ft%3Agpt-4o%3Aacme', '/v1/models/ft:gpt-4o:acme', ''],
      // Others stay encoded, with upper-case hex.
      ['/v1/files/a%20b', '/v1/files/a%20b', ''], ['/v1/files/caf%c3%a9', '/v1/files/caf%C3%A9', ''], ['/v1/files/%3f%23%25', '/v1/files/%3F%23%25', ''],
      // A dot inside a segment is no dot segment.
      ['/v1/files/a.b', '/v1/files/a.b', ''], ['/v1/...', '/v1/...', ''], ['/v1/.well-known', '/v1/.well-known', ''],
      // One trailing slash is kept (WHATWG keeps it too).
      ['/v1/models/', '/v1/models/', ''],
    ];
    for (const [target, path, query] of passed) {
      it(`${target} -> ${path}${query}`, () => assert.deepEqual(checkRequestTarget(target), { ok: true, path, query }));
    }
  });

  it('matches path prefixes by whole segments', () => {
    assert.equal(withinPrefix('/anthropic/v1/messages', '/anthropic'), true);
    assert.equal(withinPrefix('/anthropic', '/anthropic'), true);
    assert.equal(withinPrefix('/anthropic/v1/messages', '/anthropic/'), true);
    assert.equal(withinPrefix('/anthropicX/v1/messages', '/anthropic'), false);
    assert.equal(withinPrefix('/anthropi', '/anthropic'), false);
    assert.equal(withinPrefix('/anything', '/'), true);
  });

  it('forwards under the base path, less a stripped prefix', () => {
    assert.equal(forwardedPath('/openai/deployments/gpt-4o', '/azure/chat/completions', '/azure'), '/openai/deployments/gpt-4o/chat/completions');
    assert.equal(forwardedPath('/openai/deployments/gpt-4o', '/azure', '/azure'), '/openai/deployments/gpt-4o/');
    assert.equal(forwardedPath('', '/v1/models', undefined), '/v1/models');
    assert.equal(forwardedPath('/base/', '/v1/models', undefined), '/base/v1/models');
  });
});
