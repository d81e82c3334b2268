import assert from 'node:assert/strict';
import { compileMaskingRules } from '../../../../gateway/core/masking/compile';
import { selectRules } from '../../../../gateway/core/masking/mask-text';
import { SseMasker } from '../../../../gateway/core/masking/sse-masker';
import { StreamTextMasker } from '../../../../gateway/core/masking/stream-text-masker';
import { riskyTailStart } from '../../../../gateway/core/masking/stream-holdback';
import { clientText } from '../../../builders/sse-text';
import { heapAfterGc, oldSpaceAfterScavenges } from '../../../helpers/heap';

const compiled = compileMaskingRules([{ name: 'pii', detectors: ['all'], where: ['client'] }], { hashKey: 'k', auditDetectors: [] });
const rules = selectRules(compiled, 'client');
const chat = (content: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;


describe('core/masking stream hold-back', () => {
  const table: [string, string][] = [
    ['Hello world. ', ''],
    ['Hello world', 'world'],
    ['mail me at john.d', 'john.d'],
    ['card 4111 1111 ', '4111 1111 '],
    ['call +1 (555) 123-', '+1 (555) 123-'],
    ['IBAN DE89 3704', 'IBAN DE89 3704'],
    ['visa13 4111', '4111'],
    ['key: -----BEGIN RSA PRIVATE KEY-----\nMIIE', '-----BEGIN RSA PRIVATE KEY-----\nMIIE'],
    // A literal '\n' and a cut inside the END line: the block is not finished yet.
    ['k="-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY--', '-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY--'],
    ['k="-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END', '-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END'],
    ['k="-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----" ok', 'ok'],
    ['done.\n', ''],
  ];
  for (const [text, held] of table) {
    it(`holds ${JSON.stringify(held)} of ${JSON.stringify(text)}`, () => assert.equal(text.slice(riskyTailStart(text, 0, false)), held));
  }
});

describe('core/masking StreamTextMasker', () => {
  it('releases text without a risky tail in the same push (first-token latency)', () => {
    const m = new StreamTextMasker(compiled, { rules, path: '$' });
    assert.equal(m.push('Sure! Here is the answer: '), 'Sure! Here is the answer: ');
    assert.equal(m.held, 0);
  });
  it('catches an email split across pushes and flushes at the end', () => {
    const m = new StreamTextMasker(compiled, { rules, path: '$' });
    const out = [m.push('Write to jo'), m.push('hn@exam'), m.push('ple.com now'), m.end()];
    assert.deepEqual(out, ['Write to ', '', '[REDACTED:EMAIL] ', 'now']);
  });
  it('masks a value still held at the end of the stream', () => {
    const m = new StreamTextMasker(compiled, { rules, path: '$' });
    assert.equal(m.push('card 4111 1111 1111 11') + m.push('11') + m.end(), 'card [REDACTED:CARD]');
  });
  // A slow stream's masker lives for minutes and gets an event every few seconds: what a push
  // replaces lives until the next push, is promoted by the collector and dies in old space.
  it('leaves nothing in old space per push that releases its text (the context is not a new string per push)', () => {
    const n = 2000;
    const maskers = Array.from({ length: n }, () => new StreamTextMasker(compiled, { rules, path: '$' }));
    // The texts exist before: what is measured is what the masker makes of them. A digit in each: a scan per push.
    const texts = Array.from({ length: 20 }, (_, i) => `tok${i} `);
    for (let i = 0; i < 15; i++) for (const m of maskers) assert.equal(m.push(texts[i]), texts[i]);
    const before = oldSpaceAfterScavenges();
    for (let i = 15; i < 20; i++) {
      for (const m of maskers) m.push(texts[i]);
      oldSpaceAfterScavenges();
    }
    // The masker before this change: ≈ 120 B per push (the context, a slice of the flattened context and text).
    const perPush = (oldSpaceAfterScavenges() - before) / n / 5;
    assert.ok(perPush < 40, `a masker leaves ${perPush.toFixed(1)} B in old space per push (bound 40)`);
  });
  // The context's list of released strings lives as long as the stream: room for 17 from its
  // first push was ≈ 150 B per stream.
  it('keeps its released strings in a list with room for a few', () => {
    const n = 5000;
    const texts = Array.from({ length: 12 }, (_, i) => `tok${i} `);
    // One masker first: the code the pushes run is compiled before the heap is read.
    const warm = new StreamTextMasker(compiled, { rules, path: '$' });
    for (const t of texts) warm.push(t);
    const maskers = Array.from({ length: n }, () => new StreamTextMasker(compiled, { rules, path: '$' }));
    const before = heapAfterGc();
    for (let i = 0; i < 3; i++) for (const m of maskers) assert.equal(m.push(texts[i]), texts[i]);
    // Before: ≈ 171 B per masker (a list with room for 17 from the first push); after ≈ 130.
    const perMasker = (heapAfterGc() - before) / n;
    assert.ok(perMasker < 150, `a masker's released strings take ${perMasker.toFixed(0)} B after 3 pushes (bound 150)`);
    // Past its room the list becomes the context and goes on: what it scans is the same text.
    const m = new StreamTextMasker(compiled, { rules, path: '$' });
    let out = '';
    for (let i = 0; i < 30; i++) out += m.push(`w${i} `);
    out += m.push('mail jo@example.com ') + m.end();
    assert.equal(out, Array.from({ length: 30 }, (_, i) => `w${i} `).join('') + 'mail [REDACTED:EMAIL] ');
  });
  it('past maxHoldChars releases the oldest part masked (an unfinished PEM stays masked)', () => {
    const m = new StreamTextMasker(compiled, { rules, path: '$', maxHoldChars: 64 });
    let out = m.push('-----BEGIN PRIVATE KEY-----\n');
    for (let i = 0; i < 10; i++) out += m.push('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n');
    assert.ok(m.held <= 64);
    out += m.push('-----END PRIVATE KEY----- ok') + m.end();
    assert.ok(!out.includes('MIIEvQ'), out);
    assert.ok(out.endsWith(' ok'));
  });
});

describe('core/masking SseMasker', () => {
  // A slow stream's masker lives for minutes; what it keeps of an event lives until the next one,
  // long enough to be promoted to old space and die there. It keeps no event's text: the template
  // for flushed tails is the frame's, not the latest chunk's.
  it('keeps no chat chunk past the chunk (a slow stream holds one masker per stream)', () => {
    const n = 300;
    const model = 'm'.repeat(4000); // a chunk of ≈ 4 KB whose content is short
    const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    const maskers = Array.from({ length: n }, () => new SseMasker(compiled, { rules }));
    for (const m of maskers) assert.equal(m.push(chunk('Hi ')), chunk('Hi '));
    const before = heapAfterGc();
    for (const m of maskers) assert.equal(m.push(chunk('there ')), chunk('there '));
    const perMasker = (heapAfterGc() - before) / n;
    assert.ok(perMasker < 1000, `a masker keeps ${perMasker.toFixed(0)} B more after its second chunk of ${chunk('there ').length} (bound 1000)`);
    // The flushed tail still carries the chunks' fields.
    const m = maskers[0]!;
    m.push(chunk('call 555'));
    assert.match(m.push('data: [DONE]\n\n'), new RegExp(`^data: \\{"id":"c1","object":"chat.completion.chunk","created":1,"model":"${model}","choices":\\[\\{"index":0,"delta":\\{"content":"555"\\}`));
  });

  it('keeps little after its first chunk: a slot that every client rule covers shares the masker\'s list of rules (a slow stream holds one masker per stream)', () => {
    const n = 2000;
    const maskers = Array.from({ length: n }, () => new SseMasker(compiled, { rules }));
    maskers[0].push(chat('warm '));
    const before = heapAfterGc();
    for (const m of maskers) m.push(chat('Hi '));
    // The slot's state, its stream masker and the frame of the chunk. Before: a list of the rules
    // filtered for each slot (room for 17, ≈ 170 B): 1,601 B per masker in this file's run; 1,412 after.
    const perMasker = (heapAfterGc() - before) / n;
    assert.ok(perMasker < 1550, `a masker keeps ${perMasker.toFixed(0)} B after its first chunk (bound 1550)`);
  });

  it('stream maskers of one path share its member names (a slow stream holds one per slot for its life)', () => {
    const n = 10_000;
    const options = { rules, path: '$.choices[0].message.content' };
    new StreamTextMasker(compiled, options);
    const kept: StreamTextMasker[] = new Array(n);
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) kept[i] = new StreamTextMasker(compiled, options);
    // Before: the names made per masker, a few strings and cons-strings: ≈ 314 B per masker, 148 after.
    const perMasker = (heapAfterGc() - before) / n;
    assert.ok(perMasker < 230, `a stream masker keeps ${perMasker.toFixed(0)} B (bound 230)`);
  });

  it('keeps the audit copy\'s raw text in few strings, not a cons-string per event', () => {
    const n = 1000;
    // No client rule: the slot keeps the raw text for the audit copy alone.
    const maskers = Array.from({ length: n }, () => new SseMasker(compiled, { rules: [] }));
    const events = Array.from({ length: 65 }, (_, i) => chat(`tok${i} `));
    for (const m of maskers) m.push(events[0]);
    const before = heapAfterGc();
    for (let i = 1; i < events.length; i++) for (const m of maskers) m.push(events[i]);
    // Before this change: ≈ 56 B per event (a cons-string of the text so far and the new text, and the text).
    const perEvent = (heapAfterGc() - before) / n / (events.length - 1);
    assert.ok(perEvent < 24, `a masker keeps ${perEvent.toFixed(1)} B more per event (bound 24)`);
    assert.equal(maskers[0].finalTexts()[0].text, events.map((_, i) => `tok${i} `).join(''));
  });

  it('OpenAI chat: email split across chunks is masked, framing stays SSE, [DONE] flushes', () => {
    const sse = new SseMasker(compiled, { rules });
    let out = sse.push(chat('Hi! ') + chat('Reach me at an'));
    out += sse.push(chat('na@example.'));
    out += sse.push(chat('org soon') + 'data: [DONE]\n\n');
    assert.equal(clientText(out), 'Hi! Reach me at [REDACTED:EMAIL] soon');
    assert.ok(out.endsWith('data: [DONE]\n\n'));
    assert.deepEqual(sse.finalTexts().map((t) => t.text), ['Hi! Reach me at anna@example.org soon']);
    assert.deepEqual(sse.report.entries(), [{ rule: 'pii', detector: 'email', path: '$.choices[0].message.content', count: 1 }]);
  });

  it('passes non-text events through byte for byte and splits input anywhere', () => {
    const sse = new SseMasker(compiled, { rules });
    const role = `data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}\n\n: keep-alive\n\n`;
    let out = '';
    for (const ch of role) out += sse.push(ch);
    assert.equal(out, role);
  });

  it('first event without a risky tail is emitted in the same push', () => {
    const sse = new SseMasker(compiled, { rules });
    assert.equal(sse.push(chat('Hello there. ')), chat('Hello there. '));
  });

  it('finish_reason in the same chunk releases the tail in that chunk', () => {
    const sse = new SseMasker(compiled, { rules });
    const out = sse.push(chat('ssn 123-45-') + chat('6789', 'stop'));
    assert.equal(clientText(out), 'ssn [REDACTED:SSN]');
    const last = JSON.parse(out.trim().split('\n\n').pop()!.slice(6));
    assert.equal(last.choices[0].finish_reason, 'stop');
  });

  it('Anthropic: content_block_delta text masked; the tail flushes before content_block_stop; usage read', () => {
    const ev = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    const sse = new SseMasker(compiled, { rules });
    const out = sse.push(
      ev('message_start', { type: 'message_start', message: { id: 'm', usage: { input_tokens: 10, output_tokens: 1 } } })
      + ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'key AKIAIOSFOD' } })
      + ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'NN7EXAMPLE' } })
      + ev('content_block_stop', { type: 'content_block_stop', index: 0 })
      + ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } })
      + ev('message_stop', { type: 'message_stop' }),
    );
    assert.equal(clientText(out), 'key [REDACTED:AWS-KEY]');
    assert.ok(out.indexOf('content_block_stop') > out.lastIndexOf('content_block_delta'));
    assert.ok(out.includes('event: content_block_delta\ndata: '));
  });

  it('Responses API: deltas masked, done text masked whole', () => {
    const ev = (data: { type: string }) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
    const sse = new SseMasker(compiled, { rules });
    const out = sse.push(
      ev({ type: 'response.output_text.delta', item_id: 'i', output_index: 0, content_index: 0, delta: 'token ghp_AbCdEfGhIjKlMn' } as never)
      + ev({ type: 'response.output_text.delta', item_id: 'i', output_index: 0, content_index: 0, delta: 'OpQrStUvWxYz0123456789' } as never)
      + ev({ type: 'response.output_text.done', item_id: 'i', output_index: 0, content_index: 0, text: 'token ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789' } as never)
      + ev({ type: 'response.completed', response: { output: [{ content: [{ type: 'output_text', text: 'token ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789' }] }], usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } } } as never),
    );
    assert.equal(clientText(out), 'token [REDACTED:GITHUB-TOKEN]');
    assert.ok(!out.includes('ghp_'), out);
  });

  it('end of stream without [DONE] flushes the held tail, masked', () => {
    const sse = new SseMasker(compiled, { rules });
    const out = sse.push(chat('mail bob@example.com')) + sse.end();
    assert.equal(clientText(out), 'mail [REDACTED:EMAIL]');
  });

  it('with no client rules nothing is held and the audit text is still collected', () => {
    const sse = new SseMasker(compiled, { rules: [] });
    const input = chat('mail bob@example.com');
    assert.equal(sse.push(input), input);
    assert.equal(sse.finalTexts()[0].text, 'mail bob@example.com');
  });

  it('the one-line chat chunk fast path behaves as the general path (text, audit copy, report, flush)', () => {
    const pieces = ['Mail jo', 'e@x.io', ' "now"\n', 'or call\t+1 (555) ', '123-4567', ' — é ✓ \\ ', 'card 4111 1111 ', '1111 1111'];
    const run = (spaced: boolean) => {
      const sse = new SseMasker(compiled, { rules });
      let out = '';
      for (const [i, p] of pieces.entries()) {
        const event = i === 0 ? chat(p).replace('{"content"', '{"role":"assistant","content"') : chat(p);
        out += sse.push(spaced ? event.replace('{"id"', '{ "id"') : event);
      }
      out += sse.push('data: [DONE]\n\n');
      return { out, sse };
    };
    const fast = run(false);
    const general = run(true);
    assert.equal(clientText(fast.out), clientText(general.out));
    assert.equal(clientText(fast.out), 'Mail [REDACTED:EMAIL] "now"\nor call\t[REDACTED:PHONE] — é ✓ \\ card [REDACTED:CARD]');
    assert.deepEqual(fast.sse.finalTexts(), general.sse.finalTexts());
    assert.deepEqual(fast.sse.report.entries(), general.sse.report.entries());
    // The held tail is flushed in an event built from the last chunk's id.
    assert.match(fast.out, /data: \{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":\[\{"index":0,"delta":\{"content":"\[REDACTED:CARD\]"\},"finish_reason":null\}\]\}\n\ndata: \[DONE\]\n\n$/);
  });
  it('reads a chunk in the last chunk\'s frame only when its content is a valid JSON string body', () => {
    const sse = new SseMasker(compiled, { rules });
    assert.equal(sse.push(chat('Hello ')), chat('Hello '));
    // A raw control character is not JSON: the chunk goes through untouched and is not text.
    const broken = chat('x').replace('"content":"x"', '"content":"a\u0001b"');
    assert.equal(sse.push(broken), broken);
    assert.equal(sse.push(chat('mail "jo\\')), chat('mail "jo\\'));
    assert.equal(sse.finalTexts()[0].text, 'Hello mail "jo\\');
  });
  it('passes an unchanged one-line chat chunk through byte for byte', () => {
    const sse = new SseMasker(compiled, { rules });
    const input = 'data:' + chat('Hello, "world". ').slice(5).replace('\n\n', '\r\n\r\n');
    assert.equal(sse.push(input), input);
  });
  it('bytes split inside multi-byte characters decode as the whole stream does', () => {
    const stream = Buffer.from(chat('Grüße 👋 an jö@exämple.com ') + chat('ñ€ ok') + 'data: [DONE]\n\n');
    const whole = new SseMasker(compiled, { rules });
    const reference = whole.pushBytes(stream) + whole.end();
    assert.match(reference, /Grüße 👋/);
    for (let a = 1; a < stream.length; a += 3) {
      const sse = new SseMasker(compiled, { rules });
      let out = '';
      for (let at = 0; at < stream.length; at += a) out += sse.pushBytes(stream.subarray(at, at + a));
      assert.equal(out + sse.end(), reference, `chunks of ${a} bytes`);
    }
  });
});
