// The tests' command-line helper must split as a shell would, or every end-to-end test runs another command.
import { expect, it } from 'vitest';
import { args } from './test-io.js';

it('args splits the literal text at white space and keeps each value one argument, joined to the text beside it', () => {
  const dir = '/tmp/a folder';
  const index = 1;
  expect(args`run high-throughput --duration 2
    --results-dir ${dir} --shard ${index}/2 --org ${''} --label env=${'ci x'}`).toEqual([
    'run',
    'high-throughput',
    '--duration',
    '2',
    '--results-dir',
    '/tmp/a folder',
    '--shard',
    '1/2',
    '--org',
    '',
    '--label',
    'env=ci x',
  ]);
  expect(args``).toEqual([]);
});
