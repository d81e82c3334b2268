// The preview webview: renders what the extension host computed (masking result, decision) and
// sends edits back. It never masks or evaluates anything itself. Bundled to dist/webview/preview.js.
import { configureYaml, editorTheme, monaco } from './monaco-setup';
import { maskWheres, SAMPLE_PICK_AUDIT, type DecisionRequest, type DecisionView, type HostMessage, type MaskHighlight, type MaskWhere, type WebviewMessage } from '../protocol';
import './preview.css';

declare function acquireVsCodeApi(): { postMessage(message: WebviewMessage): void };
const vscode = acquireVsCodeApi();
const post = (m: WebviewMessage) => vscode.postMessage(m);

document.addEventListener('securitypolicyviolation', (e) => post({ type: 'log', level: 'error', message: `CSP violation: ${e.violatedDirective} ${e.blockedURI}` }));
window.addEventListener('error', (e) => post({ type: 'log', level: 'error', message: `webview error: ${e.message}` }));

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const debounce = (fn: () => void, ms: number) => {
  let t: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
};

// ---- Tabs
function showTab(tab: string) {
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-tab]'))) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  for (const s of Array.from(document.querySelectorAll<HTMLElement>('section[data-panel]'))) s.hidden = s.dataset.panel !== tab;
}
for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-tab]'))) button.addEventListener('click', () => showTab(button.dataset.tab!));

// ---- Editors
const editorOptions: monaco.editor.IStandaloneEditorConstructionOptions = {
  theme: editorTheme(), automaticLayout: true, minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, lineNumbersMinChars: 3, wordWrap: 'on',
};
// F1, Ctrl/Cmd+Shift+P and Ctrl/Cmd+P belong to the workbench (its command palette and quick open).
// Monaco binds F1 to its own command list and stops the keydown there; unbound (command: null), the
// key bubbles to the webview's window, which forwards unhandled keys to the workbench.
monaco.editor.addKeybindingRules(
  [monaco.KeyCode.F1, monaco.KeyMod.CtrlCmd | monaco.KeyMod.Shift | monaco.KeyCode.KeyP, monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyP].map((keybinding) => ({ keybinding, command: null })),
);
const rulesModel = monaco.editor.createModel('', 'yaml', monaco.Uri.parse('inmemory://gatehouse/masking-rules.yaml'));
const sampleModel = monaco.editor.createModel('', 'plaintext', monaco.Uri.parse('inmemory://gatehouse/sample.txt'));
const resultModel = monaco.editor.createModel('', 'plaintext', monaco.Uri.parse('inmemory://gatehouse/masked-result.txt'));
monaco.editor.create($('rules-editor'), { ...editorOptions, model: rulesModel });
monaco.editor.create($('sample-editor'), { ...editorOptions, model: sampleModel });
const resultEditor = monaco.editor.create($('result-editor'), { ...editorOptions, model: resultModel, readOnly: true });
const decorations = resultEditor.createDecorationsCollection();

/** Host-sent text is applied without echoing it back as an edit. */
let applying = false;
const setText = (model: monaco.editor.ITextModel, text: string) => {
  if (model.getValue() === text) return;
  applying = true;
  model.setValue(text);
  applying = false;
};
const looksLikeJson = (text: string) => /^\s*[[{]/.test(text);
const setSampleText = (text: string) => {
  monaco.editor.setModelLanguage(sampleModel, looksLikeJson(text) ? 'yaml' : 'plaintext');
  setText(sampleModel, text);
};
rulesModel.onDidChangeContent(debounce(() => !applying && post({ type: 'rulesEdited', text: rulesModel.getValue() }), 300));
sampleModel.onDidChangeContent(() => {
  if (applying) return;
  sendSample();
});
const sendSample = debounce(() => {
  monaco.editor.setModelLanguage(sampleModel, looksLikeJson(sampleModel.getValue()) ? 'yaml' : 'plaintext');
  post({ type: 'sampleEdited', text: sampleModel.getValue() });
}, 300);

// ---- Toolbar
const sampleSelect = $<HTMLSelectElement>('sample');
const whereSelect = $<HTMLSelectElement>('where');
for (const w of maskWheres) whereSelect.add(new Option(w, w));
whereSelect.addEventListener('change', () => post({ type: 'setWhere', where: whereSelect.value as MaskWhere }));
let currentSample = '';
sampleSelect.addEventListener('change', () => {
  const id = sampleSelect.value;
  if (id === SAMPLE_PICK_AUDIT) sampleSelect.value = currentSample; // the host asks which record, then sends `sample`
  post({ type: 'chooseSample', id });
});
function setSamples(samples: { id: string; label: string; description?: string }[]) {
  sampleSelect.replaceChildren(...samples.map((s) => {
    const o = new Option(s.label, s.id);
    if (s.description) o.title = s.description;
    return o;
  }));
  sampleSelect.value = currentSample;
}

// ---- Masked result
let lastSeq = -1;
function showMaskResult(m: Extract<HostMessage, { type: 'maskResult' }>) {
  if (m.seq < lastSeq) return;
  lastSeq = m.seq;
  const errors = $('errors');
  if (!m.ok) {
    errors.textContent = m.errors.join('\n');
    errors.hidden = false;
    $('summary').textContent = 'masking rules have errors';
    return;
  }
  errors.hidden = true;
  monaco.editor.setModelLanguage(resultModel, m.language === 'json' ? 'yaml' : 'plaintext');
  setText(resultModel, m.maskedText);
  decorations.set(m.highlights.map((h) => decoration(h)));
  $('summary').textContent = m.summary;
  $('spans').replaceChildren(...m.highlights.map((h) => {
    const li = document.createElement('li');
    li.className = 'span-label';
    li.dataset.rule = h.rule;
    li.dataset.detector = h.detector;
    li.textContent = `${h.rule} · ${h.detector} · ${h.path}: ${m.maskedText.slice(h.start, h.end)}`;
    li.addEventListener('click', () => {
      const start = resultModel.getPositionAt(h.start);
      resultEditor.revealPositionInCenter(start);
      resultEditor.setSelection(monaco.Range.fromPositions(start, resultModel.getPositionAt(h.end)));
    });
    return li;
  }));
  document.body.dataset.maskSeq = String(m.seq);
}

function decoration(h: MaskHighlight): monaco.editor.IModelDeltaDecoration {
  const range = monaco.Range.fromPositions(resultModel.getPositionAt(h.start), resultModel.getPositionAt(h.end));
  return {
    range,
    options: {
      inlineClassName: 'masked-span',
      hoverMessage: { value: `**masked** by rule \`${h.rule}\`, detector \`${h.detector}\`\n\npath \`${h.path}\`` },
      after: { content: ` ${h.rule}/${h.detector}`, inlineClassName: 'masked-label' },
    },
  };
}

// ---- Decision preview
const decisionFields = ['method', 'path', 'subject', 'groups', 'body'] as const;
function decisionRequest(): DecisionRequest {
  const v = (id: string) => $<HTMLInputElement>(`decision-${id}`).value;
  return { method: v('method'), path: v('path'), body: v('body'), subject: v('subject'), groups: v('groups').split(',').map((g) => g.trim()).filter(Boolean) };
}
const sendDecision = debounce(() => post({ type: 'evaluateDecision', request: decisionRequest() }), 300);
for (const f of decisionFields) $(`decision-${f}`).addEventListener('input', sendDecision);
function fillDecisionForm(r: DecisionRequest) {
  const set = (id: string, value: string) => ($<HTMLInputElement>(`decision-${id}`).value = value);
  set('method', r.method);
  set('path', r.path);
  set('subject', r.subject);
  set('groups', r.groups.join(', '));
  set('body', r.body);
}
function showDecision(m: Extract<HostMessage, { type: 'decisionResult' }>) {
  const out = $('decision-result');
  if (!m.ok) {
    out.textContent = m.error;
    out.className = 'decision error';
    $('explain').replaceChildren();
    return;
  }
  const d: DecisionView = m.decision;
  out.className = `decision ${d.action}`;
  out.textContent = `${d.action} — rule ${d.rule}`;
  $('decision-facts').textContent = `endpoint ${d.endpoint}${d.model ? `, model ${d.model}` : ''}; ${d.reasons.join('; ')}${d.masks.length ? `; masks: ${d.masks.join(', ')}` : ''}`;
  $('explain').replaceChildren(...d.explain.map((s) => {
    const tr = document.createElement('tr');
    tr.className = s.matched ? 'matched' : 'skipped';
    for (const text of [s.matched ? '✓' : '·', s.rule, s.reason]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
}

// ---- Host messages
window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
  const m = e.data;
  switch (m.type) {
    case 'init':
      configureYaml(m.schemas);
      $('policy-file').textContent = m.policyFile;
      currentSample = m.sample.id;
      setSamples(m.samples);
      whereSelect.value = m.where;
      setText(rulesModel, m.rulesText);
      setSampleText(m.sample.text);
      fillDecisionForm(m.decisionRequest);
      break;
    case 'rules':
      $('policy-file').textContent = m.policyFile;
      setText(rulesModel, m.rulesText);
      break;
    case 'samples':
      setSamples(m.samples);
      break;
    case 'showTab':
      showTab(m.tab);
      break;
    case 'sample':
      currentSample = m.id;
      if (!Array.from(sampleSelect.options).some((o) => o.value === m.id)) sampleSelect.add(new Option(m.label, m.id));
      sampleSelect.value = m.id;
      setSampleText(m.text);
      break;
    case 'maskResult':
      showMaskResult(m);
      break;
    case 'decisionResult':
      showDecision(m);
      break;
  }
});
post({ type: 'ready' });
