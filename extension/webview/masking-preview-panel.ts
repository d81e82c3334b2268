import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import policySchema from '../../schemas/gatehouse.policy.schema.json';
import maskingRulesSchema from '../../schemas/masking-rules.schema.json';
import { Disposable } from '../common/lifecycle';
import { getSettings } from '../common/settings';
import { analyzePolicy } from '../policy/policy-analysis';
import { gatehouseKind } from '../policy/policy-documents';
import { computeDecision, computeMaskPreview, maskingRulesText } from './preview-compute';
import { isWebviewMessage, SAMPLE_PASTED, SAMPLE_PICK_AUDIT, type DecisionRequest, type HostMessage, type MaskWhere, type SampleOption, type WebviewMessage } from './protocol';

export interface PreviewSample {
  id: string;
  label: string;
  text: string;
}

/** Where audit-record samples come from (the Audit Log of part 1); undefined when not connected. */
export interface AuditSamples {
  available(): boolean;
  pick(): Promise<PreviewSample | undefined>;
}

const BUILTIN_SAMPLE: PreviewSample = {
  id: 'builtin',
  label: 'Example chat request',
  text: JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a support assistant.' },
      { role: 'user', content: 'Refund order 1182 for jane.doe@example.com, card 4111 1111 1111 1111, phone +1 415 555 0100.' },
    ],
    metadata: { customer_ip: '203.0.113.42' },
  }, null, 2),
};

const DEFAULT_DECISION_REQUEST: DecisionRequest = {
  method: 'POST', path: '/v1/chat/completions', subject: 'ci-bot', groups: ['ci'],
  body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Summarize the failing test log' }] }, null, 2),
};

const POLICY_DEBOUNCE_MS = 300;

/**
 * "Gatehouse: Preview Masking": one webview panel beside the policy editor. The host side (this
 * class) owns the state and computes with the gateway's core (masking preview, policy evaluation);
 * the webview (webview/preview/main.ts) renders it with Monaco. Messages: protocol.ts.
 */
export class MaskingPreviewPanel extends Disposable {
  static readonly viewType = 'gatehouse.maskingPreview';
  static current: MaskingPreviewPanel | undefined;

  private readonly panel: vscode.WebviewPanel;
  private policyUri: vscode.Uri;
  private rulesText = '';
  private sample: PreviewSample = BUILTIN_SAMPLE;
  private where: MaskWhere = 'upstream';
  private decisionRequest = DEFAULT_DECISION_REQUEST;
  private seq = 0;
  private activeTab: 'masking' | 'decision' = 'masking';
  private policyTimer: NodeJS.Timeout | undefined;
  private readonly rendered = this.register(new vscode.EventEmitter<HostMessage>());
  /** Every result posted to the webview (for tests and logs). */
  readonly onDidPostResult = this.rendered.event;
  /** How many times the webview said `ready` (1 per load). */
  readyCount = 0;
  lastMaskResult: Extract<HostMessage, { type: 'maskResult' }> | undefined;
  lastDecisionResult: Extract<HostMessage, { type: 'decisionResult' }> | undefined;

  /** Opens the panel (or reveals it) for `policyUri`, optionally with a sample to mask. */
  static async createOrShow(extensionUri: vscode.Uri, policyUri: vscode.Uri, audit: AuditSamples, log: vscode.LogOutputChannel, sample?: PreviewSample): Promise<MaskingPreviewPanel> {
    const current = MaskingPreviewPanel.current;
    if (current) {
      current.panel.reveal(vscode.ViewColumn.Beside, true);
      await current.setPolicy(policyUri);
      if (sample) current.setSample(sample);
      return current;
    }
    const panel = vscode.window.createWebviewPanel(MaskingPreviewPanel.viewType, 'Masking Preview', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true, // keeps Monaco, its undo stack and workers while the tab is hidden
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
    });
    const created = new MaskingPreviewPanel(panel, extensionUri, policyUri, audit, log);
    MaskingPreviewPanel.current = created;
    created.rulesText = maskingRulesText((await vscode.workspace.openTextDocument(policyUri)).getText());
    created.sample = sample ?? (await firstWorkspaceSample()) ?? BUILTIN_SAMPLE;
    return created;
  }

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, policyUri: vscode.Uri, private readonly audit: AuditSamples, private readonly log: vscode.LogOutputChannel) {
    super();
    this.panel = panel;
    this.policyUri = policyUri;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'gatehouse.svg');
    panel.webview.html = this.html(extensionUri);
    this.register(panel.onDidDispose(() => this.dispose()));
    this.register(panel.webview.onDidReceiveMessage((m: unknown) => {
      if (isWebviewMessage(m)) void this.onMessage(m).catch((err: Error) => this.log.error(`masking preview: ${err.message}`));
      else this.log.warn('masking preview: ignored a malformed message from the webview');
    }));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.toString() !== this.policyUri.toString() || !e.contentChanges.length) return;
      clearTimeout(this.policyTimer);
      this.policyTimer = setTimeout(() => void this.setPolicy(this.policyUri), POLICY_DEBOUNCE_MS);
    }));
    this.register(vscode.window.onDidChangeActiveTextEditor((editor) => {
      const doc = editor?.document;
      if (doc && gatehouseKind(doc) === 'policy' && doc.uri.toString() !== this.policyUri.toString()) void this.setPolicy(doc.uri);
    }));
    this.register({ dispose: () => clearTimeout(this.policyTimer) });
  }

  override dispose(): void {
    if (MaskingPreviewPanel.current === this) MaskingPreviewPanel.current = undefined;
    super.dispose();
    this.panel.dispose();
  }

  /** Brings a tab of the webview to the front ('masking' or 'decision'). */
  showTab(tab: 'masking' | 'decision'): void {
    this.activeTab = tab;
    if (this.readyCount) this.post({ type: 'showTab', tab });
  }

  get policyFile(): vscode.Uri {
    return this.policyUri;
  }

  /** (Re)reads the policy: its masking rules replace the editor's, and both previews recompute. */
  async setPolicy(uri: vscode.Uri): Promise<void> {
    this.policyUri = uri;
    const doc = await vscode.workspace.openTextDocument(uri);
    this.rulesText = maskingRulesText(doc.getText());
    if (!this.readyCount) return;
    this.post({ type: 'rules', policyFile: vscode.workspace.asRelativePath(uri), rulesText: this.rulesText });
    this.recomputeMask();
    await this.recomputeDecision();
  }

  setSample(sample: PreviewSample): void {
    this.sample = sample;
    if (!this.readyCount) return;
    this.post({ type: 'sample', ...sample });
    this.recomputeMask();
  }

  private async onMessage(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready': {
        this.readyCount++;
        this.post({
          type: 'init', policyFile: vscode.workspace.asRelativePath(this.policyUri), rulesText: this.rulesText,
          schemas: [
            { uri: maskingRulesSchema.$id, schema: maskingRulesSchema, fileMatch: ['masking-rules.yaml'] },
            { uri: policySchema.$id, schema: policySchema },
          ],
          samples: await this.sampleOptions(), sample: this.sample, where: this.where, decisionRequest: this.decisionRequest,
        });
        if (this.activeTab !== 'masking') this.post({ type: 'showTab', tab: this.activeTab });
        this.recomputeMask();
        await this.recomputeDecision();
        break;
      }
      case 'rulesEdited':
        this.rulesText = m.text;
        this.recomputeMask();
        break;
      case 'sampleEdited':
        this.sample = { id: SAMPLE_PASTED, label: 'Pasted', text: m.text };
        this.recomputeMask();
        break;
      case 'setWhere':
        this.where = m.where;
        this.recomputeMask();
        break;
      case 'chooseSample': {
        const sample = await this.loadSample(m.id);
        if (sample) this.setSample(sample);
        break;
      }
      case 'evaluateDecision':
        this.decisionRequest = m.request;
        await this.recomputeDecision();
        break;
      case 'log':
        if (m.level === 'error') this.log.error(`masking preview: ${m.message}`);
        else this.log.info(`masking preview: ${m.message}`);
        break;
    }
  }

  private recomputeMask(): void {
    const result = computeMaskPreview(this.rulesText, this.sample.text, this.where, ++this.seq);
    this.lastMaskResult = result;
    this.post(result);
  }

  private async recomputeDecision(): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(this.policyUri);
    const analysis = analyzePolicy(doc.getText(), doc.uri.fsPath || doc.uri.path);
    const result: HostMessage = analysis.policy
      ? { type: 'decisionResult', ok: true, decision: computeDecision(analysis.policy, this.decisionRequest) }
      : { type: 'decisionResult', ok: false, error: `The policy has ${analysis.diagnostics.filter((d) => d.severity === 'error').length} error(s); fix them (see Problems) to preview decisions.` };
    this.lastDecisionResult = result;
    this.post(result);
  }

  private post(m: HostMessage): void {
    void this.panel.webview.postMessage(m);
    if (m.type === 'maskResult' || m.type === 'decisionResult') this.rendered.fire(m);
  }

  private async sampleOptions(): Promise<SampleOption[]> {
    const files = await workspaceSamples();
    const options: SampleOption[] = files.map((f) => ({ id: f.toString(), label: vscode.workspace.asRelativePath(f) }));
    if (!options.some((o) => o.id === this.sample.id)) options.unshift({ id: this.sample.id, label: this.sample.label });
    if (this.sample.id !== BUILTIN_SAMPLE.id) options.push({ id: BUILTIN_SAMPLE.id, label: BUILTIN_SAMPLE.label });
    if (this.audit.available()) options.push({ id: SAMPLE_PICK_AUDIT, label: 'Audit record…', description: 'the request body of a record in the Audit Log' });
    return options;
  }

  private async loadSample(id: string): Promise<PreviewSample | undefined> {
    if (id === BUILTIN_SAMPLE.id) return BUILTIN_SAMPLE;
    if (id === SAMPLE_PICK_AUDIT) return this.audit.pick();
    if (id === SAMPLE_PASTED) return undefined;
    return fileSample(vscode.Uri.parse(id));
  }

  private html(extensionUri: vscode.Uri): string {
    const webview = this.panel.webview;
    const dir = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const uri = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(dir, file)).toString();
    const nonce = randomBytes(16).toString('base64');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri('preview.css')}">
<title>Masking Preview</title>
</head>
<body data-editor-worker="${uri('editor.worker.js')}" data-yaml-worker="${uri('yaml.worker.js')}">
<header>
  <div class="tabs" role="tablist">
    <button data-tab="masking" role="tab" aria-selected="true">Masking</button>
    <button data-tab="decision" role="tab" aria-selected="false">Decision</button>
  </div>
  <span id="policy-file"></span>
</header>
<section data-panel="masking">
  <div class="toolbar">
    <label>Sample <select id="sample"></select></label>
    <label>Copy <select id="where"></select></label>
    <span id="summary">computing…</span>
  </div>
  <pre id="errors" hidden></pre>
  <div class="grid">
    <div class="pane"><h3>Masking rules <small>spec.masking of the policy; edits here are a scratch copy</small></h3><div id="rules-editor" class="editor"></div></div>
    <div class="pane"><h3>Sample payload <small>edit or paste</small></h3><div id="sample-editor" class="editor"></div></div>
    <div class="pane wide"><h3>Masked result</h3><div class="result"><div id="result-editor" class="editor"></div><ul id="spans"></ul></div></div>
  </div>
</section>
<section data-panel="decision" hidden>
  <div class="form">
    <label for="decision-method">Method</label><select id="decision-method"><option>POST</option><option>GET</option><option>DELETE</option></select>
    <label for="decision-path">Path</label><input id="decision-path">
    <label for="decision-subject">Subject</label><input id="decision-subject">
    <label for="decision-groups">Groups</label><input id="decision-groups" placeholder="ci, agents">
    <label for="decision-body">Body</label><textarea id="decision-body"></textarea>
  </div>
  <div id="decision-result" class="decision"></div>
  <div id="decision-facts"></div>
  <table id="explain"></table>
</section>
<script nonce="${nonce}" src="${uri('preview.js')}"></script>
</body>
</html>`;
  }
}

async function workspaceSamples(): Promise<vscode.Uri[]> {
  return (await vscode.workspace.findFiles(getSettings().previewSamples, '**/node_modules/**', 100)).sort((a, b) => a.path.localeCompare(b.path));
}

async function firstWorkspaceSample(): Promise<PreviewSample | undefined> {
  const [first] = await workspaceSamples();
  return first ? fileSample(first) : undefined;
}

/** A sample file (a workspace JSON, an open document). */
export async function fileSample(uri: vscode.Uri): Promise<PreviewSample> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return { id: uri.toString(), label: vscode.workspace.asRelativePath(uri), text: doc.getText() };
}

/** The webview's CSP: what Monaco and monaco-yaml need, no more (see sample-monaco's README for why each source). */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'unsafe-inline'`, // Monaco creates <style> elements and style="" attributes at run time
    `font-src ${cspSource}`, // codicons
    'img-src data:', // squiggles are data: SVG backgrounds
    `connect-src ${cspSource}`, // fetch() of the worker bundles
    'worker-src blob:', // workers start from blob: URLs of those bundles
  ].join('; ');
}
