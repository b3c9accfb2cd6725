// Parse Mermaid diagrams with the real Mermaid parser (under jsdom, as Node has no DOM).
// Usage: node parse_mermaid.mjs FILE...   Prints one JSON line per file: {file, ok, type|error}.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let failed = false;
for (const file of process.argv.slice(2)) {
  try {
    const result = await mermaid.parse(readFileSync(file, 'utf8'));
    console.log(JSON.stringify({ file, ok: true, type: result.diagramType }));
  } catch (e) {
    failed = true;
    console.log(JSON.stringify({ file, ok: false, error: String(e.message || e) }));
  }
}
process.exit(failed ? 1 : 0);
