import { Faker, base, en } from '@faker-js/faker';
import { tokenKinds, Values, type TokenKind } from './formats';

/**
 * Synthetic corpus for masking quality: request and response bodies in the OpenAI chat, OpenAI
 * Responses and Anthropic Messages shapes, with sensitive values (built from their
 * specifications in `formats.ts`) in prose, in tool-call arguments (JSON-encoded strings and
 * Anthropic `tool_use.input`) and as JSON member values under keys that name them
 * (`customer.phone`, `billing.card_number`, `aws_secret_access_key`), and hard negatives around
 * them. Values that are only sure with context (bare SSNs, phone numbers written as bare digits,
 * AWS secret keys) are always planted with it: a word before them or a member name.
 * Seeded: the same seed gives the same corpus.
 */
export type Truth = 'card' | 'iban' | 'ssn' | 'email' | 'phone' | 'ip' | 'aws-key' | 'pem' | 'jwt' | 'bearer' | 'api-key' | 'github-token';

/** What was planted, finer than the detector that should find it (the per-kind table). */
export type Kind = 'card' | 'iban' | 'ssn' | 'email' | 'phone' | 'ip' | TokenKind;
export const kinds: readonly Kind[] = ['card', 'iban', 'ssn', 'email', 'phone', 'ip', ...tokenKinds];

export const detectorOf: Record<Kind, Truth> = {
  card: 'card', iban: 'iban', ssn: 'ssn', email: 'email', phone: 'phone', ip: 'ip',
  openai: 'api-key', anthropic: 'api-key', slack: 'api-key', 'slack-app': 'api-key', 'slack-webhook': 'api-key', gitlab: 'api-key', google: 'api-key',
  stripe: 'api-key', npm: 'api-key', huggingface: 'api-key', github: 'github-token', 'github-pat': 'github-token',
  'aws-key-id': 'aws-key', 'aws-secret': 'aws-key', jwt: 'jwt', pem: 'pem', bearer: 'bearer',
};

export interface Planted {
  kind: Kind;
  detector: Truth;
  value: string;
}

export interface CorpusItem {
  kind: 'openai-request' | 'openai-response' | 'responses-request' | 'responses-response' | 'anthropic-request' | 'anthropic-response';
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
  const shapes: CorpusItem['kind'][] = ['openai-request', 'anthropic-request', 'openai-response', 'anthropic-response', 'responses-request', 'responses-response'];
  return Array.from({ length: count }, (_, i) => g.item(shapes[i % shapes.length]));
}

/** A value and how it may be written: `needsContext` values only with words or names that say what they are. */
interface Sample {
  kind: Kind;
  value: string;
  needsContext: boolean;
}

/** Sentences around a value; `{v}` is the value. The first list needs no context. */
const prose: Record<Kind, { plain: string[]; named: string[] }> = {
  card: { plain: ['card {v}', 'charge {v} please', 'my visa is {v}.', '{v}', 'cc={v}'], named: [] },
  iban: { plain: ['IBAN {v}', 'wire it to {v}.', '{v}'], named: [] },
  ssn: { plain: ['SSN {v}', '{v}', 'ref {v}'], named: ['SSN: {v}', 'my social security number is {v}', 'tax id {v}'] },
  email: { plain: ['mail {v}', 'contact: {v}', '<{v}>', '{v}'], named: [] },
  phone: { plain: ['reach me at {v}', '{v}', 'or {v} after six'], named: ['call {v}', 'phone: {v}', 'mobile {v} anytime', 'Tel. {v}'] },
  ip: { plain: ['host {v}', 'from {v} today', 'ip={v}'], named: [] },
  openai: { plain: ['OPENAI key {v}', 'use {v}', '{v}'], named: [] },
  anthropic: { plain: ['use {v} for claude', '{v}'], named: [] },
  github: { plain: ['GH token {v}', '{v}'], named: [] },
  'github-pat': { plain: ['token={v}', 'pat {v}'], named: [] },
  slack: { plain: ['slack bot {v}', '{v}'], named: [] },
  'slack-app': { plain: ['SLACK_APP_TOKEN={v}', 'socket mode with {v}'], named: [] },
  'slack-webhook': { plain: ['post alerts to {v}', 'SLACK_WEBHOOK_URL={v}', 'curl -X POST -d @msg.json {v}'], named: [] },
  gitlab: { plain: ['gitlab token {v}', 'PRIVATE-TOKEN: {v}'], named: [] },
  google: { plain: ['maps key {v}', '?key={v}'], named: [] },
  stripe: { plain: ['stripe {v}', 'STRIPE_SECRET_KEY={v}'], named: [] },
  npm: { plain: ['//registry.npmjs.org/:_authToken={v}', 'NPM_TOKEN {v}'], named: [] },
  huggingface: { plain: ['HF_TOKEN={v}', 'login with {v}'], named: [] },
  'aws-key-id': { plain: ['access key id {v}', '{v}'], named: [] },
  'aws-secret': { plain: [], named: ['AWS secret access key {v}', 'aws_secret_access_key = {v}'] },
  jwt: { plain: ['the token is {v}', '{v}'], named: [] },
  pem: { plain: ['here is the key:\n{v}\nthanks', '{v}'], named: [] },
  bearer: { plain: ['Authorization: Bearer {v}', 'curl -H "Authorization: Bearer {v}"'], named: [] },
};

/** Member names that say what a value is, as JSON bodies and tool arguments spell them. */
const memberNames: Record<Kind, string[]> = {
  card: ['card_number', 'cardNumber', 'pan'], iban: ['iban', 'bank_account_iban'], ssn: ['ssn', 'socialSecurityNumber', 'tax_id'],
  email: ['email', 'contactEmail'], phone: ['phone', 'mobilePhone', 'phone_number', 'tel'], ip: ['client_ip', 'remoteAddr'],
  openai: ['openai_api_key'], anthropic: ['anthropic_api_key'], github: ['github_token'], 'github-pat': ['GITHUB_PAT'], slack: ['slack_bot_token'],
  'slack-app': ['SLACK_APP_TOKEN'], 'slack-webhook': ['webhook_url', 'slackWebhook'], gitlab: ['gitlab_token'], google: ['google_api_key'], stripe: ['stripe_secret_key'], npm: ['npm_token'],
  huggingface: ['hf_token'], 'aws-key-id': ['aws_access_key_id'], 'aws-secret': ['aws_secret_access_key', 'secretAccessKey'], jwt: ['id_token'],
  pem: ['private_key'], bearer: ['authorization'],
};

const parents: Partial<Record<Kind, string[]>> = { phone: ['customer', 'contact'], ssn: ['customer', 'applicant'], card: ['billing', 'payment'], iban: ['payout'] };

class Generators {
  private readonly v: Values;

  constructor(private readonly f: Faker) {
    this.v = new Values({ int: (min, max) => f.number.int({ min, max }) });
  }

  private sample(): Sample {
    const kind = this.v.pick(kinds);
    switch (kind) {
      case 'card': return { kind, value: this.v.card(), needsContext: false };
      case 'iban': return { kind, value: this.v.iban(), needsContext: false };
      case 'ssn': { const s = this.v.ssn(); return { kind, value: s.value, needsContext: s.bare }; }
      case 'email': return { kind, value: this.v.email(), needsContext: false };
      case 'phone': { const p = this.v.phone(); return { kind, value: p.value, needsContext: p.bare }; }
      case 'ip': return { kind, value: this.v.ip(), needsContext: false };
      default: return { kind, value: this.v.tokenOf(kind), needsContext: kind === 'aws-secret' };
    }
  }

  /** A sentence holding a sample (with a context word when it needs one). */
  private sentence(s: Sample): string {
    const t = prose[s.kind];
    const templates = s.needsContext || t.plain.length === 0 ? t.named : [...t.plain, ...t.named];
    const sentence = this.v.pick(templates).replace('{v}', s.value);
    return /[.!?>)"]$/.test(sentence) ? sentence : `${sentence}.`;
  }

  /** The member a sample is planted under: `{ key: value }` or `{ parent: { key: value } }`. */
  private member(s: Sample): Record<string, unknown> {
    const key = this.v.pick(memberNames[s.kind]);
    const value = s.kind === 'bearer' ? `Bearer ${s.value}` : s.value;
    const parent = parents[s.kind];
    return parent && this.f.datatype.boolean() ? { [this.v.pick(parent)]: { [key]: value, name: this.f.person.fullName() } } : { [key]: value };
  }

  private filler(): string {
    return this.v.pick([() => this.f.lorem.sentence(), () => this.f.hacker.phrase(), () => this.f.company.catchPhrase() + '.'])();
  }

  /** A paragraph with samples and hard negatives woven in. */
  private paragraph(planted: Planted[], negatives: string[], sampleCount: number, negativeCount: number): string {
    const parts: string[] = [];
    for (let i = 0; i < 2 + sampleCount + negativeCount; i++) parts.push(this.filler());
    for (let i = 0; i < sampleCount; i++) {
      const s = this.sample();
      planted.push(this.plant(s));
      parts.splice(this.f.number.int({ min: 0, max: parts.length }), 0, this.sentence(s));
    }
    for (let i = 0; i < negativeCount; i++) {
      const n = this.v.negative();
      negatives.push(n);
      parts.splice(this.f.number.int({ min: 0, max: parts.length }), 0, this.v.pick(['ref {v}', 'id {v}', '({v})', 'at {v}', 'total {v}']).replace('{v}', n));
    }
    return parts.join(' ');
  }

  private plant(s: Sample): Planted {
    return { kind: s.kind, detector: detectorOf[s.kind], value: s.value };
  }

  /** Tool-call arguments: a sample under a name, in prose, and a hard negative under a neutral name. */
  private toolArguments(planted: Planted[], negatives: string[]): Record<string, unknown> {
    const named = this.sample();
    planted.push(this.plant(named));
    const spoken = this.sample();
    planted.push(this.plant(spoken));
    const negative = this.v.negative();
    negatives.push(negative);
    return { ...this.member(named), note: this.sentence(spoken), [this.v.pick(['order_id', 'trace', 'version', 'created_at', 'amount', 'oid'])]: negative };
  }

  /** Request or response metadata: a sample under a name, and a hard negative. */
  private metadata(planted: Planted[], negatives: string[]): Record<string, unknown> {
    const s = this.sample();
    planted.push(this.plant(s));
    const negative = this.v.negative();
    negatives.push(negative);
    return { ...this.member(s), trace: negative };
  }

  item(kind: CorpusItem['kind']): CorpusItem {
    const planted: Planted[] = [];
    const negatives: string[] = [];
    const text = this.paragraph(planted, negatives, 2, 3);
    const input = this.toolArguments(planted, negatives);
    const args = JSON.stringify(input);
    const metadata = this.metadata(planted, negatives);
    const system = this.filler();
    const body = (() => {
      switch (kind) {
        case 'openai-request': return {
          model: 'gpt-4o', metadata,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: text },
            { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: args } }] },
          ],
        };
        case 'openai-response': return {
          id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o', metadata,
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: text, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: args } }] } }],
          usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
        };
        case 'responses-request': return {
          model: 'gpt-4.1', instructions: system, metadata,
          input: [
            { role: 'user', content: [{ type: 'input_text', text }] },
            { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: args },
          ],
        };
        case 'responses-response': return {
          id: 'resp_1', object: 'response', status: 'completed', model: 'gpt-4.1', metadata,
          output: [
            { type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] },
            { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'lookup', arguments: args },
          ],
          usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30 },
        };
        case 'anthropic-request': return {
          model: 'claude-sonnet-4', max_tokens: 512, system, metadata,
          messages: [
            { role: 'user', content: [{ type: 'text', text }] },
            { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'lookup', input }] },
          ],
        };
        case 'anthropic-response': return {
          id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4', metadata,
          content: [{ type: 'text', text }, { type: 'tool_use', id: 'tu_1', name: 'lookup', input }],
          usage: { input_tokens: 10, output_tokens: 20 },
        };
      }
    })();
    return { kind, body, planted, negatives, ...(kind.endsWith('response') ? { text } : {}) };
  }
}
