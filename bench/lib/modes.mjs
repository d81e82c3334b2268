// The four request modes of the benches and the body each one sends (bench/bodies): one table for
// every script that takes MODE.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bodies = join(dirname(dirname(fileURLToPath(import.meta.url))), 'bodies');
const files = { 'json-160B': 'chat-160B.json', 'sse-160B': 'chat-160B-stream.json', 'json-4KB': 'chat-4KB.json', 'sse-4KB': 'chat-4KB-stream.json' };

/** The modes, in the order `npm run bench` runs them. */
export const modes = Object.keys(files);

/** The path of the request body `mode` sends; an unknown mode is an error that names the known ones. */
export function modeBodyFile(mode) {
  const file = files[mode];
  if (!file) throw new Error(`unknown MODE ${JSON.stringify(mode)} (one of ${modes.join(', ')})`);
  return join(bodies, file);
}
