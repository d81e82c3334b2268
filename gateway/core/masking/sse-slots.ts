/**
 * Where the streamed text lives in the events of each API, and how to write it back.
 * A "slot" is one growing text: a choice's content, a tool call's arguments, an Anthropic
 * content block, a Responses output part. `path` names the slot as the non-streamed body would.
 */
export interface TextSlot {
  key: string;
  path: string;
  text: string;
  set(text: string): void;
}

export type Json = Record<string, unknown>;

export interface EventReading {
  /** Texts this event adds to. */
  slots: TextSlot[];
  /** Slots that end before this event is delivered (flushed first). '*' means all. */
  ends: string[];
  /** Full texts carried by completion events (Responses *.done): masked whole. */
  wholeTexts: TextSlot[];
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

function slot(key: string, path: string, holder: Json, field: string): TextSlot | null {
  const text = holder[field];
  if (typeof text !== 'string') return null;
  return { key, path, text, set: (t) => { holder[field] = t; } };
}

/**
 * Reads one parsed SSE data payload of OpenAI chat/completions, the Responses API or Anthropic messages.
 *
 * @example
 * readEvent({ choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] }, undefined).slots[0]
 * // => { key: 'c0', path: '$.choices[0].message.content', text: 'Hi', set: [Function] }
 */
export function readEvent(data: Json, eventName: string | undefined): EventReading {
  const out: EventReading = { slots: [], ends: [], wholeTexts: [] };
  const type = typeof data.type === 'string' ? data.type : eventName;

  // OpenAI chat completions / legacy completions.
  if (Array.isArray(data.choices)) {
    for (const choice of data.choices) {
      if (!isObj(choice)) continue;
      const i = num(choice.index) ?? 0;
      const delta = choice.delta;
      if (isObj(delta)) {
        const s = slot(`c${i}`, `$.choices[${i}].message.content`, delta, 'content');
        if (s) out.slots.push(s);
        const r = slot(`c${i}r`, `$.choices[${i}].message.reasoning_content`, delta, 'reasoning_content');
        if (r) out.slots.push(r);
        if (Array.isArray(delta.tool_calls)) {
          for (const call of delta.tool_calls) {
            if (!isObj(call) || !isObj(call.function)) continue;
            const j = num(call.index) ?? 0;
            const a = slot(`c${i}t${j}`, `$.choices[${i}].message.tool_calls[${j}].function.arguments`, call.function, 'arguments');
            if (a) out.slots.push(a);
          }
        }
      } else {
        const s = slot(`l${i}`, `$.choices[${i}].text`, choice, 'text');
        if (s) out.slots.push(s);
      }
      if (choice.finish_reason) out.ends.push(`c${i}*`, `l${i}`);
    }
    return out;
  }

  switch (type) {
    // Anthropic messages.
    case 'content_block_start': {
      const i = num(data.index) ?? 0;
      if (isObj(data.content_block)) {
        const s = slot(`a${i}`, `$.content[${i}].text`, data.content_block, 'text');
        if (s) out.slots.push(s);
      }
      break;
    }
    case 'content_block_delta': {
      const i = num(data.index) ?? 0;
      if (isObj(data.delta)) {
        const s = slot(`a${i}`, `$.content[${i}].text`, data.delta, 'text')
          ?? slot(`a${i}`, `$.content[${i}].input`, data.delta, 'partial_json')
          ?? slot(`a${i}`, `$.content[${i}].thinking`, data.delta, 'thinking');
        if (s) out.slots.push(s);
      }
      break;
    }
    case 'content_block_stop':
      out.ends.push(`a${num(data.index) ?? 0}`);
      break;
    case 'message_stop':
      out.ends.push('*');
      break;

    // OpenAI Responses API.
    case 'response.output_text.delta':
    case 'response.refusal.delta': {
      const s = slot(`r${num(data.output_index) ?? 0}:${num(data.content_index) ?? 0}`, `$.output[${num(data.output_index) ?? 0}].content[${num(data.content_index) ?? 0}].text`, data, 'delta');
      if (s) out.slots.push(s);
      break;
    }
    case 'response.function_call_arguments.delta': {
      const s = slot(`f${num(data.output_index) ?? 0}`, `$.output[${num(data.output_index) ?? 0}].arguments`, data, 'delta');
      if (s) out.slots.push(s);
      break;
    }
    case 'response.output_text.done':
    case 'response.refusal.done': {
      const key = `r${num(data.output_index) ?? 0}:${num(data.content_index) ?? 0}`;
      out.ends.push(key);
      const s = slot(key, `$.output[${num(data.output_index) ?? 0}].content[${num(data.content_index) ?? 0}].text`, data, type === 'response.refusal.done' ? 'refusal' : 'text');
      if (s) out.wholeTexts.push(s);
      break;
    }
    case 'response.function_call_arguments.done': {
      const key = `f${num(data.output_index) ?? 0}`;
      out.ends.push(key);
      const s = slot(key, `$.output[${num(data.output_index) ?? 0}].arguments`, data, 'arguments');
      if (s) out.wholeTexts.push(s);
      break;
    }
    case 'response.content_part.done':
      if (isObj(data.part)) {
        const s = slot('part', '$.output[*].content[*].text', data.part, 'text');
        if (s) out.wholeTexts.push(s);
      }
      break;
    case 'response.output_item.done':
      if (isObj(data.item)) collectItemTexts(data.item, out.wholeTexts);
      break;
    case 'response.completed':
    case 'response.incomplete':
    case 'response.failed':
      out.ends.push('*');
      if (isObj(data.response)) {
        if (Array.isArray(data.response.output)) for (const item of data.response.output) if (isObj(item)) collectItemTexts(item, out.wholeTexts);
      }
      break;
    default:
      break;
  }
  return out;
}

function collectItemTexts(item: Json, into: TextSlot[]): void {
  const a = slot('item', '$.output[*].arguments', item, 'arguments');
  if (a) into.push(a);
  if (!Array.isArray(item.content)) return;
  for (const part of item.content) {
    if (!isObj(part)) continue;
    const t = slot('item', '$.output[*].content[*].text', part, 'text') ?? slot('item', '$.output[*].content[*].refusal', part, 'refusal');
    if (t) into.push(t);
  }
}

/** The event that carries a slot's held-back text when the slot ends. */
export function flushEvent(key: string, text: string, template: Json | undefined): { event?: string; data: Json } {
  if (key.startsWith('a')) {
    const index = Number(key.slice(1));
    return { event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text } } };
  }
  if (key.startsWith('r') || key.startsWith('f')) {
    const [o, c] = key.slice(1).split(':').map(Number);
    const type = key.startsWith('r') ? 'response.output_text.delta' : 'response.function_call_arguments.delta';
    const base: Json = { type, output_index: o, ...(key.startsWith('r') ? { content_index: c } : {}), delta: text };
    if (template && typeof template.item_id === 'string') base.item_id = template.item_id;
    if (template && typeof template.sequence_number === 'number') base.sequence_number = template.sequence_number;
    return { event: type, data: base };
  }
  if (key.startsWith('l')) {
    const head: Json = {};
    if (template) for (const k of ['id', 'object', 'created', 'model']) if (k in template) head[k] = template[k];
    return { data: { ...head, choices: [{ index: Number(key.slice(1)), text, finish_reason: null }] } };
  }
  // Chat: c<i>, c<i>r, c<i>t<j>.
  const m = /^c(\d+)(r|t(\d+))?$/.exec(key)!;
  const index = Number(m[1]);
  const delta: Json = m[2] === undefined ? { content: text } : m[2] === 'r' ? { reasoning_content: text } : { tool_calls: [{ index: Number(m[3]), function: { arguments: text } }] };
  const head: Json = {};
  if (template) for (const k of ['id', 'object', 'created', 'model', 'system_fingerprint', 'service_tier']) if (k in template) head[k] = template[k];
  return { data: { ...head, choices: [{ index, delta, finish_reason: null }] } };
}
