// monaco-yaml's language worker (yaml-language-server, label yaml); bundled to dist/webview/yaml.worker.js.
import 'monaco-yaml/yaml.worker.js';
