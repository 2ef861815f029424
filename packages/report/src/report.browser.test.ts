// The report opened in a real browser (Debian's Chromium through playwright-core) with the network blocked:
// every chart must draw its series and phases, with no page error. Writes a screenshot for people to look at.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeReport } from './index.js';
import { PHASE_BANDS } from './page-assets.js';
import { makeResult } from '@loadhouse/core/testing';
import { FULL_FIXTURE_CHARTS } from './test-charts.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = fileURLToPath(new URL('../../../test-output/report/', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loadhouse-report-browser-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `rgba(r,g,b,a)` as the canvas stores it: the colour, with alpha in 0..255 (the canvas starts transparent). */
function rgba(color: string): [number, number, number, number] {
  const [r, g, b, a] = color.match(/[\d.]+/g)!.map(Number) as [number, number, number, number];
  return [r, g, b, Math.round(a * 255)];
}

// The few DOM shapes the page-side check uses (the repo type-checks without the DOM library).
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface PageFigure {
  dataset: Record<string, string | undefined>;
  querySelectorAll(selector: 'canvas'): ArrayLike<PageCanvas>;
}
interface PageDocument {
  getElementById(id: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): ArrayLike<PageFigure>;
}

interface ChartCheck {
  name: string;
  canvases: number;
  painted: number;
  /** Pixels close to each series' colour, in series order. */
  seriesPixels: number[];
  /** Pixels of the first two phase bands. */
  bandPixels: number[];
  kind: string;
}

it('renders every chart with its data and phases in headless Chromium, without any network', async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's Chromium with \`apt-get install -y chromium\` to run the report's browser test.`,
    );
  }
  const resultPath = join(dir, 'consumer-lag.json');
  // With commits, a restart and 100 keyed partitions: their sections pass the schema check and lay out.
  const base = makeResult();
  const latency = { p50: 1, p95: 2, p99: 3, p999: 4, max: 5, mean: 1.5, count: 10 };
  const acked = Array.from({ length: 100 }, (_, p) => 1000 + ((p * 37) % 300));
  const fixture = {
    ...base,
    consumer: {
      ...base.consumer!,
      commit: { commits: 10, failed: 0, errorsByCode: {}, latency },
      restarts: {
        restarts: 1,
        afterCrash: 1,
        redelivered: 20,
        redeliveryBound: 30,
        beyondBound: 0,
        skipped: 0,
        maxFirstRecordSeconds: 0.2,
        pending: 0,
        resumes: [
          {
            group: 'g',
            topic: 't',
            atSeconds: 10,
            after: 'crash' as const,
            redelivered: 20,
            bound: 30,
            beyondBound: 0,
            skipped: 0,
            firstRecordSeconds: 0.2,
            partitions: [
              { topic: 't', partition: 0, resumedFrom: 70, previousEnd: 100, committedBefore: 70, redelivered: 20, bound: 30, skipped: 0 },
            ],
          },
        ],
      },
    },
    partitions: { imbalance: 1.2, cv: 0.1, groups: [{ group: 0, keys: 'uniform:1000', acked, imbalance: 1.2, cv: 0.1 }] },
  };
  await writeFile(resultPath, JSON.stringify(fixture));
  const htmlPath = await writeReport(resultPath);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    const blocked: string[] = [];
    await page.route('**', (route) => {
      const url = route.request().url();
      if (/^https?:/i.test(url)) {
        blocked.push(url);
        return route.abort();
      }
      return route.continue();
    });
    await page.goto(pathToFileURL(htmlPath).href);
    await page.waitForSelector('html[data-charts-ready]', { timeout: 20_000 });

    const bands = PHASE_BANDS.slice(0, 2).map(rgba);
    const checks: ChartCheck[] = await page.evaluate((bandColors) => {
      const document = (globalThis as unknown as { document: PageDocument }).document;
      const payload = JSON.parse(document.getElementById('loadhouse-data')!.textContent!) as {
        charts: Array<{ name: string; kind: string; series: Array<{ color: string }> }>;
      };
      const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      const near = (d: Uint8ClampedArray, i: number, c: number[], tol: number) =>
        d[i + 3]! > 200 && Math.abs(d[i]! - c[0]!) <= tol && Math.abs(d[i + 1]! - c[1]!) <= tol && Math.abs(d[i + 2]! - c[2]!) <= tol;
      return Array.from(document.querySelectorAll('[data-chart]')).map((figure) => {
        const name = figure.dataset.chart!;
        const spec = payload.charts.find((c) => c.name === name)!;
        const canvases = figure.querySelectorAll('canvas');
        const canvas = canvases[0];
        const out = {
          name,
          kind: spec.kind,
          canvases: canvases.length,
          painted: 0,
          seriesPixels: spec.series.map(() => 0),
          bandPixels: [0, 0],
        };
        if (!canvas) return out;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        const colors = spec.series.map((s) => rgb(s.color));
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! > 0) out.painted++;
          colors.forEach((c, k) => {
            if (near(data, i, c, 40)) out.seriesPixels[k]!++;
          });
          // Bands are translucent: their pixels keep the band's alpha where nothing else is drawn over them.
          bandColors.forEach((c, k) => {
            if (
              Math.abs(data[i + 3]! - c[3]!) <= 2 &&
              Math.abs(data[i]! - c[0]!) <= 20 &&
              Math.abs(data[i + 1]! - c[1]!) <= 20 &&
              Math.abs(data[i + 2]! - c[2]!) <= 20
            ) {
              out.bandPixels[k]!++;
            }
          });
        }
        return out;
      });
    }, bands);

    // The fixture completed with a criterion failed: the first badge of the headline is the red verdict.
    const headline = await page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { querySelector(selector: string): { textContent: string | null } | null };
        getComputedStyle(element: unknown): { backgroundColor: string; color: string };
      };
      const badge = g.document.querySelector('h1 .badge')!;
      const style = g.getComputedStyle(badge);
      return { text: badge.textContent, background: style.backgroundColor, color: style.color };
    });

    // The partition chart is plain SVG: laid out at a readable size, a bar per partition, styled by the page's CSS.
    const partitionChart = await page.evaluate(() => {
      interface Box {
        getBoundingClientRect(): { width: number; height: number };
        querySelectorAll(selector: string): ArrayLike<unknown>;
      }
      const g = globalThis as unknown as {
        document: { querySelector(selector: string): Box | null };
        getComputedStyle(element: unknown): { fill: string };
      };
      const svg = g.document.querySelector('figure[data-partition-bars] svg')!;
      const { width, height } = svg.getBoundingClientRect();
      const rects = svg.querySelectorAll('rect.bar');
      return { width, height, bars: rects.length, fill: g.getComputedStyle(rects[0]).fill };
    });

    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'report.png'), fullPage: true });

    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(headline).toEqual({ text: 'failed', background: 'rgb(255, 235, 233)', color: 'rgb(207, 34, 46)' });
    expect(checks.map((c) => c.name)).toEqual(FULL_FIXTURE_CHARTS);
    expect(partitionChart.bars).toBe(100);
    expect(partitionChart.width).toBeGreaterThan(300);
    expect(partitionChart.height).toBeGreaterThan(50);
    expect(partitionChart.fill).toBe('rgb(31, 119, 180)');
    for (const c of checks) {
      expect(c.canvases, c.name).toBe(1);
      expect(c.painted, c.name).toBeGreaterThan(5000);
      // Every series of every chart shows its colour (lines are 1.6 px wide: hundreds of pixels each).
      for (const [k, n] of c.seriesPixels.entries()) expect(n, `${c.name} series ${k}: ${c.seriesPixels.join(',')}`).toBeGreaterThan(50);
      if (c.kind === 'time') {
        expect(c.bandPixels[0], `${c.name} first phase band`).toBeGreaterThan(2000);
        expect(c.bandPixels[1], `${c.name} second phase band`).toBeGreaterThan(2000);
      }
    }
  } finally {
    await browser.close();
  }
}, 50_000);
