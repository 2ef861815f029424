import { inspect } from 'node:util';
import { expect, it } from 'vitest';
import { PROBE_PREFIX } from './options.js';
import { s3Probe } from './plugin.js';
import { checkBucket } from './preflight.js';
import { formatS3Summary } from './summary.js';
import { faultProxyForTests, S3RVER_KEY_ID, s3rverForTests, until } from './test-support.js';
import { PluginHarness, testInfo } from '@loadhouse/core/testing';

const BUCKET = 'streamhouse-data';
const SECRET = 'wJalrXUtnFEMI-redaction-secret-7d1e';
const TOKEN = 'session-token-redaction-c0ffee';
const credentials = { accessKeyId: S3RVER_KEY_ID, secretAccessKey: SECRET, sessionToken: TOKEN };

const s3 = s3rverForTests([BUCKET]);
const proxy = faultProxyForTests(s3);

/** Every form a value can be shown in: JSON, and util.inspect to full depth (hidden fields included). */
function shown(value: unknown): string {
  let json = '';
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    // Some SDK objects are circular; inspect below still sees them.
  }
  return `${json}\n${inspect(value, { depth: Infinity, showHidden: true, getters: true })}`;
}

it('never shows the secret key or session token in anything the plugin emits, returns or throws', async () => {
  // Some requests fail, so error paths (logs, last error, classified messages) are exercised too.
  let n = 0;
  proxy.decide = ({ method, path }) => {
    if (!path.includes(PROBE_PREFIX) || path.includes('preflight-')) return 'pass';
    n++;
    if (method === 'PUT' && n % 3 === 0) return { status: 503, code: 'SlowDown' };
    if (method === 'GET' && n % 2 === 0) return { status: 403, code: 'AccessDenied' };
    return 'pass';
  };
  const texts: string[] = [];
  const plugin = s3Probe({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    bucket: BUCKET,
    credentials,
    intervalSeconds: 0.1,
    listEverySeconds: 0.2,
  });
  texts.push(shown(plugin), shown(plugin.config), String(plugin));
  const host = new PluginHarness();
  try {
    await host.setup(plugin);
    await host.fire('test:before', testInfo());
    expect(await until(() => plugin.report().probe.cycles >= 4 && plugin.report().inventory.listings >= 2)).toBe(true);
    texts.push(shown(await host.collect()), shown(plugin.report()));
    const summary = await host.summarize();
    texts.push(shown(summary), formatS3Summary(summary).join('\n'));
    expect(plugin.report().probe.errors.throttle + plugin.report().probe.errors.client).toBeGreaterThan(0);
  } finally {
    await host.end();
    proxy.decide = () => 'pass';
  }
  texts.push(shown(host.logs), shown(host.sources), shown(plugin.report()));

  // Errors: a failed pre-flight (with its SDK cause), thrown from checkBucket and from the hook.
  proxy.decide = () => ({ status: 403, code: 'AccessDenied' });
  try {
    const errors: unknown[] = [];
    await checkBucket({ endpoint: proxy.endpoint, bucket: BUCKET, credentials }).catch((e: unknown) => errors.push(e));
    const failing = s3Probe({ endpoint: proxy.endpoint, bucket: BUCKET, credentials });
    const h2 = new PluginHarness();
    await h2.setup(failing);
    await h2.fire('test:before', testInfo()).catch((e: unknown) => errors.push(e));
    await h2.end();
    expect(errors).toHaveLength(2);
    for (const e of errors) texts.push(shown(e), String(e), JSON.stringify((e as { toJSON(): unknown }).toJSON()));
    texts.push(shown(h2.logs));
  } finally {
    proxy.decide = () => 'pass';
  }
  // A malformed credentials option is rejected without echoing it.
  try {
    s3Probe({ bucket: BUCKET, credentials: { accessKeyId: '', secretAccessKey: SECRET } });
  } catch (e) {
    texts.push(shown(e));
  }

  const all = texts.join('\n');
  expect(all.length).toBeGreaterThan(5000); // the search covered real content
  expect(all).toContain('_loadhouse-probe/');
  expect(all).not.toContain(SECRET);
  expect(all).not.toContain(TOKEN);
  expect(plugin.config.credentials).toBe('options');
});
