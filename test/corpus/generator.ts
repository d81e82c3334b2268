import { Faker, base, en } from '@faker-js/faker';

/**
 * Synthetic corpus for masking quality: OpenAI- and Anthropic-style request and response bodies
 * with PII and secrets placed in prompts, tool-call arguments and metadata, plus hard negatives
 * (UUIDs, order numbers, Luhn-failing digit runs, timestamps, version strings, hex hashes).
 * Seeded: the same seed gives the same corpus.
 */
export type Truth = 'card' | 'iban' | 'ssn' | 'email' | 'phone' | 'ip' | 'aws-key' | 'pem' | 'jwt' | 'bearer' | 'api-key' | 'github-token';

export interface Planted {
  detector: Truth;
  value: string;
}

export interface CorpusItem {
  kind: 'openai-request' | 'anthropic-request' | 'openai-response' | 'anthropic-response';
  body: unknown;
  planted: Planted[];
  negatives: string[];
  /** For responses: the assistant text (what a stream would carry). */
  text?: string;
}

export function createCorpus(seed: number, count: number): CorpusItem[] {
  const f = new Faker({ locale: [en, base] });
  f.seed(seed);
  const g = new Generators(f);
  const items: CorpusItem[] = [];
  for (let i = 0; i < count; i++) {
    const kinds: CorpusItem['kind'][] = ['openai-request', 'anthropic-request', 'openai-response', 'anthropic-response'];
    items.push(g.item(kinds[i % 4]));
  }
  return items;
}

class Generators {
  constructor(private readonly f: Faker) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[this.f.number.int({ min: 0, max: xs.length - 1 })];
  }

  private digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += this.f.number.int({ min: 0, max: 9 });
    return s;
  }

  private alnum(n: number, chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += chars[this.f.number.int({ min: 0, max: chars.length - 1 })];
    return s;
  }

  card(): string {
    const [prefix, len] = this.pick([['4', 16], ['4', 13], ['51', 16], ['55', 16], ['2720', 16], ['34', 15], ['37', 15], ['6011', 16], ['65', 16], ['3530', 16], ['36', 14]] as const);
    const body = prefix + this.digits(len - prefix.length - 1);
    const digits = body + luhnDigit(body);
    const style = this.pick(['compact', 'space', 'dash']);
    if (style === 'compact') return digits;
    const groups = len === 15 ? [4, 6, 5] : len === 14 ? [4, 6, 4] : len === 13 ? [4, 4, 5] : [4, 4, 4, 4];
    const parts: string[] = [];
    let at = 0;
    for (const gsize of groups) {
      parts.push(digits.slice(at, at + gsize));
      at += gsize;
    }
    return parts.join(style === 'space' ? ' ' : '-');
  }

  luhnFailing(): string {
    const body = '4' + this.digits(14);
    const check = (Number(luhnDigit(body)) + 1 + this.f.number.int({ min: 0, max: 8 })) % 10;
    return body + check;
  }

  ssn(): { value: string; template: string } {
    let area = this.f.number.int({ min: 1, max: 899 });
    if (area === 666) area = 667;
    const v = `${String(area).padStart(3, '0')}${String(this.f.number.int({ min: 1, max: 99 })).padStart(2, '0')}${String(this.f.number.int({ min: 1, max: 9999 })).padStart(4, '0')}`;
    const style = this.pick(['dash', 'dash', 'bare', 'space']);
    if (style === 'dash') return { value: `${v.slice(0, 3)}-${v.slice(3, 5)}-${v.slice(5)}`, template: this.pick(['SSN {v}', 'my social is {v}', '{v}', 'ssn: {v}']) };
    if (style === 'space') return { value: `${v.slice(0, 3)} ${v.slice(3, 5)} ${v.slice(5)}`, template: 'social security number {v}' };
    return { value: v, template: this.pick(['SSN: {v}', 'ssn {v}', 'Social Security: {v}']) };
  }

  secret(): Planted & { template: string } {
    const kind = this.pick(['aws-id', 'aws-secret', 'pem', 'jwt', 'bearer', 'openai', 'anthropic', 'github', 'github-pat'] as const);
    switch (kind) {
      case 'aws-id': return { detector: 'aws-key', value: this.pick(['AKIA', 'ASIA']) + this.alnum(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), template: 'access key id {v}' };
      case 'aws-secret': return { detector: 'aws-key', value: this.alnum(38) + '/' + this.alnum(1), template: 'AWS secret access key {v}' };
      case 'pem': {
        const label = this.pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY']);
        const lines = Array.from({ length: this.f.number.int({ min: 2, max: 5 }) }, () => this.alnum(64, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'));
        return { detector: 'pem', value: `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`, template: 'here is the key:\n{v}\nthanks' };
      }
      case 'jwt': {
        const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const v = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: this.f.string.uuid(), iat: this.f.number.int({ min: 1.6e9, max: 1.8e9 }) })}.${this.alnum(43, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')}`;
        return { detector: 'jwt', value: v, template: 'the token is {v}' };
      }
      case 'bearer': return { detector: 'bearer', value: this.alnum(32), template: 'Authorization: Bearer {v}' };
      case 'openai': return { detector: 'api-key', value: 'sk-proj-' + this.alnum(48, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'), template: 'OPENAI key {v}' };
      case 'anthropic': return { detector: 'api-key', value: 'sk-ant-api03-' + this.alnum(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-') + 'AA', template: 'use {v} for claude' };
      case 'github': return { detector: 'github-token', value: this.pick(['ghp_', 'gho_']) + this.alnum(36), template: 'GH token {v}' };
      case 'github-pat': return { detector: 'github-token', value: 'github_pat_' + this.alnum(22) + '_' + this.alnum(59), template: 'token={v}' };
    }
  }

  /** One PII value with the sentence around it. */
  pii(): { planted: Planted; template: string } {
    const kind = this.pick(['card', 'card', 'iban', 'ssn', 'email', 'email', 'phone', 'ip', 'secret', 'secret'] as const);
    switch (kind) {
      case 'card': return { planted: { detector: 'card', value: this.card() }, template: this.pick(['card {v}', 'charge {v} please', 'my visa is {v}.', '{v}', 'cc={v}']) };
      case 'iban': return { planted: { detector: 'iban', value: this.f.finance.iban({ formatted: this.f.datatype.boolean() }) }, template: this.pick(['IBAN {v}', 'wire it to {v}.', '{v}']) };
      case 'ssn': { const s = this.ssn(); return { planted: { detector: 'ssn', value: s.value }, template: s.template }; }
      case 'email': return { planted: { detector: 'email', value: this.f.internet.email() }, template: this.pick(['mail {v}', 'contact: {v}', '<{v}>', '{v}']) };
      case 'phone': return { planted: { detector: 'phone', value: this.f.phone.number({ style: this.pick(['international', 'national']) }) }, template: this.pick(['call {v}', 'phone: {v}', 'mobile {v} anytime']) };
      case 'ip': return { planted: { detector: 'ip', value: this.f.datatype.boolean() ? this.f.internet.ipv4() : this.f.internet.ipv6() }, template: this.pick(['host {v}', 'from {v} today', 'ip={v}']) };
      case 'secret': { const s = this.secret(); return { planted: { detector: s.detector, value: s.value }, template: s.template }; }
    }
  }

  negative(): string {
    return this.pick([
      () => this.f.string.uuid(),
      () => `ORD-${this.f.number.int({ min: 2019, max: 2026 })}-${this.digits(6)}`,
      () => `order #${this.digits(10)}`,
      () => this.luhnFailing(),
      () => this.luhnFailing().replace(/(\d{4})(?=\d)/g, '$1 '),
      () => this.f.date.recent().toISOString(),
      () => String(this.f.date.recent().getTime()),
      () => `v${this.f.system.semver()}`,
      () => this.f.system.semver(),
      () => this.f.git.commitSha(),
      () => this.f.string.hexadecimal({ length: 64, casing: 'lower', prefix: '' }),
      () => `build ${this.digits(8)}.${this.digits(2)}`,
      () => this.f.location.zipCode(),
      () => `${this.f.number.int({ min: 1, max: 12 })}:${this.digits(2)}:${this.digits(2)}`,
    ])();
  }

  private sentence(): string {
    return this.pick([() => this.f.lorem.sentence(), () => this.f.hacker.phrase(), () => this.f.company.catchPhrase() + '.'])();
  }

  /** A paragraph with `pii` values and hard negatives woven in. */
  private paragraph(planted: Planted[], negatives: string[], piiCount: number, negCount: number): string {
    const parts: string[] = [];
    for (let i = 0; i < 2 + piiCount + negCount; i++) parts.push(this.sentence());
    for (let i = 0; i < piiCount; i++) {
      const p = this.pii();
      planted.push(p.planted);
      parts.splice(this.f.number.int({ min: 0, max: parts.length }), 0, p.template.replace('{v}', p.planted.value));
    }
    for (let i = 0; i < negCount; i++) {
      const n = this.negative();
      negatives.push(n);
      parts.splice(this.f.number.int({ min: 0, max: parts.length }), 0, this.pick(['ref {v}', 'id {v}', '({v})', 'at {v}']).replace('{v}', n));
    }
    return parts.join(' ');
  }

  item(kind: CorpusItem['kind']): CorpusItem {
    const planted: Planted[] = [];
    const negatives: string[] = [];
    const prompt = this.paragraph(planted, negatives, 2, 3);
    const toolPii = this.pii();
    planted.push(toolPii.planted);
    const args = JSON.stringify({ customer: this.f.person.fullName(), note: toolPii.template.replace('{v}', toolPii.planted.value), order: this.negativeInto(negatives) });
    const metaPii = this.pii();
    planted.push(metaPii.planted);
    const metadata = { user_ref: metaPii.template.replace('{v}', metaPii.planted.value), trace: this.negativeInto(negatives) };
    switch (kind) {
      case 'openai-request':
        return {
          kind, planted, negatives,
          body: {
            model: 'gpt-4o', metadata,
            messages: [
              { role: 'system', content: this.sentence() },
              { role: 'user', content: prompt },
              { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: args } }] },
            ],
          },
        };
      case 'anthropic-request':
        return {
          kind, planted, negatives,
          body: {
            model: 'claude-sonnet-4', max_tokens: 512, system: this.sentence(), metadata: { user_id: metadata.user_ref },
            messages: [
              { role: 'user', content: [{ type: 'text', text: prompt }] },
              { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'lookup', input: JSON.parse(args) }] },
            ],
          },
        };
      case 'openai-response':
        return {
          kind, planted, negatives, text: prompt,
          body: {
            id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o',
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: prompt, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: args } }] } }],
            usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 }, metadata,
          },
        };
      case 'anthropic-response':
        return {
          kind, planted, negatives, text: prompt,
          body: {
            id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4', metadata,
            content: [{ type: 'text', text: prompt }, { type: 'tool_use', id: 'tu_1', name: 'lookup', input: JSON.parse(args) }],
            usage: { input_tokens: 10, output_tokens: 20 },
          },
        };
    }
  }

  private negativeInto(negatives: string[]): string {
    const n = this.negative();
    negatives.push(n);
    return n;
  }
}

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}
