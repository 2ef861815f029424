// Writes docs/cli.md from the CLI's own definitions.
import { writeFileSync } from 'node:fs';
import { renderCliDocs } from '../packages/cli/src/cli-docs.js';

writeFileSync(new URL('../docs/cli.md', import.meta.url), renderCliDocs());
console.log('docs/cli.md written');
