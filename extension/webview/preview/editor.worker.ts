// Monaco's generic editor worker (label editorWorkerService); bundled to dist/webview/editor.worker.js.
import 'monaco-editor/esm/vs/editor/editor.worker.js';
