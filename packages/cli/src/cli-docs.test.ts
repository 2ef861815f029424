import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCliDocs } from './cli-docs.js';
import { commandDefinitions } from './main.js';

describe('docs/cli.md', () => {
  it('is current with the CLI definitions (regenerate with pnpm docs:cli)', () => {
    const onDisk = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderCliDocs());
  });

  it('documents every flag of every command', () => {
    const doc = renderCliDocs();
    for (const def of commandDefinitions()) for (const f of def.flags) expect(doc).toContain(`--${f.name}`);
  });
});
