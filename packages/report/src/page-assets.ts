// What the page carries besides the data: uPlot (read from node_modules at render time), the report's
// stylesheet, and the small script that turns the embedded chart specifications into uPlot charts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let uplot: { js: string; css: string } | undefined;

/** uPlot's IIFE build and stylesheet, inlined so the page needs no network. Read once per process. */
export function uplotAssets(): { js: string; css: string } {
  if (!uplot) {
    const require = createRequire(import.meta.url);
    uplot = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  }
  return uplot;
}

export const REPORT_CSS = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #e3e6ec; --bg: #f4f5f8; --card: #fff;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9; --warn: #7d5800; --warn-bg: #fff4c2; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 40px; }
header.report, section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 22px; }
section { margin-top: 16px; }
h1 { font-size: 22px; margin: 0 0 6px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
h2 { font-size: 17px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  text-transform: uppercase; letter-spacing: .03em; vertical-align: middle; }
.badge.passed, .badge.pass { background: var(--pass-bg); color: var(--pass); }
.badge.failed, .badge.fail { background: var(--fail-bg); color: var(--fail); }
.badge.partial, .badge.unjudged, .badge.unmeasured { background: var(--warn-bg); color: var(--warn); }
.badge.verdict { font-size: 15px; padding: 2px 12px; }
.run-end { color: var(--muted); font-size: 13px; font-weight: 400; }
.meta { color: var(--muted); display: flex; flex-wrap: wrap; gap: 2px 18px; margin: 0; padding: 0; list-style: none; }
.meta b { color: var(--fg); font-weight: 600; }
.end-message { margin: 8px 0 0; }
.end-message.failed { color: var(--fail); }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin-top: 14px; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 7px 12px; }
.kpi .v { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
.kpi .k { color: var(--muted); font-size: 12px; }
.kpi .s { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(520px, 100%), 1fr)); gap: 18px 26px; }
figure.chart { margin: 0; min-width: 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: 2px; }
.plot { width: 100%; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; margin: 4px 0 8px; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .02em; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.kv th { width: 30%; font-weight: 500; color: var(--muted); word-break: break-all; }
table.kv td { word-break: break-word; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
tr.fail td:first-child { border-left: 3px solid var(--fail); }
tr.pass td:first-child { border-left: 3px solid var(--pass); }
.diagnosis { margin: 10px 0 18px; } .diagnosis h3 { margin: 8px 0 4px; } .diagnosis .advice { margin: 6px 0; }
.note { color: var(--muted); font-style: italic; margin: 6px 0; }
.two-col { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(480px, 100%), 1fr)); gap: 0 26px; }
footer { color: var(--muted); font-size: 12px; margin-top: 18px; text-align: center; }
.uplot { font-family: inherit; }
.u-legend { font-size: 12px; }
.u-legend .u-marker { width: 14px; height: 3px; border-radius: 1px; }
figure.bars { margin: 0; min-width: 0; } figure.bars figcaption { font-weight: 600; margin-bottom: 2px; }
figure.bars svg { width: 100%; height: auto; display: block; }
figure.bars .bar { fill: #9ec5e8; } figure.bars .low, figure.bars .solo { fill: #1f77b4; }
figure.bars .axis { stroke: var(--muted); stroke-width: 1; }
figure.bars .mean { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 6 4; }
figure.bars text { font-size: 12px; fill: var(--muted); } figure.bars .mean-label { fill: var(--fail); }
noscript p { background: var(--warn-bg); color: var(--warn); padding: 8px 12px; border-radius: 6px; }
`;

/** Fill colours of successive phases on time charts (the warm-up band is grey). */
export const PHASE_BANDS = ['rgba(31,119,180,0.07)', 'rgba(255,127,14,0.08)', 'rgba(44,160,44,0.07)', 'rgba(148,103,189,0.08)'];

/**
 * The page's own script (plain ES2017, no build step): reads the embedded JSON, draws each chart in its
 * `[data-chart]` container, marks phases on time axes, and sets `data-charts-ready` on <html> when done.
 */
export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var payload = JSON.parse(document.getElementById('loadhouse-data').textContent);
  var phases = payload.phases || [];
  var BANDS = __PHASE_BANDS__;

  function trim(v) {
    var a = Math.abs(v);
    var s = a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : a === 0 ? '0' : v.toPrecision(2);
    return s.indexOf('.') >= 0 && s.indexOf('e') < 0 ? s.replace(/\.?0+$/, '') : s;
  }
  function compact(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return trim(v / 1e9) + 'G';
    if (a >= 1e6) return trim(v / 1e6) + 'M';
    if (a >= 1e4) return trim(v / 1e3) + 'k';
    return trim(v);
  }
  function bytes(v) {
    var a = Math.abs(v);
    if (a >= 1073741824) return trim(v / 1073741824) + ' GiB';
    if (a >= 1048576) return trim(v / 1048576) + ' MiB';
    if (a >= 1024) return trim(v / 1024) + ' KiB';
    return trim(v) + ' B';
  }
  function fmt(v, unit) {
    if (v == null) return '';
    if (unit === 'bytes') return bytes(v);
    if (unit === 'ms') return trim(v) + ' ms';
    if (unit === '%') return trim(v) + '%';
    if (unit === 'msgs/s' || unit === '/s') return compact(v) + '/s';
    return compact(v);
  }
  function axisFmt(v, unit) {
    if (unit === 'bytes') return bytes(v);
    if (unit === '%') return trim(v) + '%';
    return compact(v);
  }
  function clock(s) {
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h > 0 && m < 10 ? '0' + m : String(m);
    return (h > 0 ? h + ':' : '') + mm + ':' + (r < 10 ? '0' + r : r);
  }
  function elapsed(u, v) {
    var range = u.scales.x.max - u.scales.x.min;
    return range >= 180 ? clock(v) : trim(v) + 's';
  }
  function percentile(x, decades) {
    if (x >= Math.pow(10, decades) * 0.999) return 'max';
    var p = 100 * (1 - 1 / x);
    var digits = Math.max(0, Math.ceil(Math.log10(x)) - 1);
    return p.toFixed(Math.min(6, digits)) + '%';
  }
  function decadeLabel(k, decades) {
    if (k >= decades) return '100%';
    if (k === 0) return '0%';
    return (100 * (1 - Math.pow(10, -k))).toFixed(Math.max(0, k - 2)) + '%';
  }

  // Phases as shaded bands with a dashed start line and the phase name, drawn on the chart's canvas.
  function phasePlugin() {
    function visible(u, p) {
      var left = u.bbox.left, right = u.bbox.left + u.bbox.width;
      var x0 = Math.max(left, u.valToPos(p.start, 'x', true));
      var x1 = Math.min(right, u.valToPos(p.end, 'x', true));
      return x1 > x0 ? [x0, x1] : null;
    }
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, n = 0;
          ctx.save();
          phases.forEach(function (p) {
            var span = visible(u, p);
            if (!span) return;
            ctx.fillStyle = p.fault ? 'rgba(220,38,38,0.16)' : p.warmup ? 'rgba(0,0,0,0.06)' : BANDS[n++ % BANDS.length];
            ctx.fillRect(span[0], u.bbox.top, span[1] - span[0], u.bbox.height);
          });
          ctx.restore();
        }],
        draw: [function (u) {
          var ctx = u.ctx, pr = uPlot.pxRatio || window.devicePixelRatio || 1, lastEnd = -Infinity;
          var right = u.bbox.left + u.bbox.width;
          ctx.save();
          ctx.font = (11 * pr) + 'px system-ui, sans-serif';
          ctx.textAlign = 'left';
          ctx.textBaseline = 'bottom';
          phases.forEach(function (p) {
            var span = visible(u, p);
            if (!span) return;
            var x = u.valToPos(p.start, 'x', true);
            if (x >= u.bbox.left + 1) {
              ctx.strokeStyle = 'rgba(60,60,60,0.55)';
              ctx.lineWidth = pr;
              ctx.setLineDash([4 * pr, 3 * pr]);
              ctx.beginPath();
              ctx.moveTo(Math.round(x) + 0.5, u.bbox.top - 14 * pr);
              ctx.lineTo(Math.round(x) + 0.5, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.setLineDash([]);
            }
            // Names go in the strip above the plot (the chart's top padding), never over the data. A name
            // that would run into the previous one moves right while it stays over its own band; past
            // that it is left out (the phases table lists every phase).
            var label = p.name, w = ctx.measureText(label).width;
            var tx = Math.max(span[0] + 3 * pr, lastEnd + 8 * pr);
            if (tx > span[1] - 2 * pr || tx + w > right + 20 * pr) return;
            ctx.fillStyle = p.fault ? '#b91c1c' : p.warmup ? '#6b7280' : '#3d4452';
            ctx.fillText(label, tx, u.bbox.top - 2 * pr);
            lastEnd = tx + w;
          });
          ctx.restore();
        }]
      }
    };
  }

  var KIB = [];
  [1, 1024, 1048576, 1073741824, 1099511627776].forEach(function (m) {
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].forEach(function (k) { KIB.push(k * m); });
  });

  // Labelled vertical lines (a capacity search's answer and knee) on a rate chart.
  function markPlugin(marks) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, pr = uPlot.pxRatio || window.devicePixelRatio || 1;
          ctx.save();
          ctx.font = (11 * pr) + 'px system-ui, sans-serif';
          ctx.textBaseline = 'bottom';
          marks.forEach(function (m) {
            var x = u.valToPos(m.x, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.strokeStyle = 'rgba(40,40,40,0.7)';
            ctx.lineWidth = pr;
            ctx.setLineDash([5 * pr, 3 * pr]);
            ctx.beginPath();
            ctx.moveTo(Math.round(x) + 0.5, u.bbox.top);
            ctx.lineTo(Math.round(x) + 0.5, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillStyle = '#3d4452';
            ctx.fillText(m.label, x + 3 * pr, u.bbox.top + 14 * pr);
          });
          ctx.restore();
        }]
      }
    };
  }

  function options(spec, width) {
    if (spec.kind === 'rate') return rateOptions(spec, width);
    var spectrum = spec.kind === 'spectrum';
    var xs = spec.data[0], span = xs.length ? xs[xs.length - 1] - xs[0] : 0;
    // Room for half of the last x label, which is centred on the plot's right edge.
    var rightPad = spectrum ? 24 : span >= 36000 ? 44 : span >= 180 ? 30 : 18;
    var scales = { x: spectrum ? { time: false, distr: 3, log: 10 } : { time: false } };
    var axes = [{
      scale: 'x',
      label: spectrum ? 'percentile' : 'elapsed',
      labelSize: 18,
      grid: { stroke: '#eceef2' },
      ticks: { stroke: '#d5d9e0' },
      splits: spectrum ? function () {
        var s = [];
        for (var k = 0; k <= spec.decades; k++) s.push(Math.pow(10, k));
        return s;
      } : undefined,
      space: !spectrum && span >= 180 ? 80 : 50,
      incrs: spectrum ? undefined : [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400],
      values: spectrum
        ? function (u, splits) { return splits.map(function (v) { return decadeLabel(Math.round(Math.log10(v)), spec.decades); }); }
        : function (u, splits) { return splits.map(function (v) { return elapsed(u, v); }); }
    }];
    spec.axes.forEach(function (a) {
      scales[a.scale] = {
        range: function (u, min, max) {
          var lo = Math.min(0, min == null ? 0 : min), hi = max == null || max <= lo ? lo + 1 : max;
          return [lo, hi + (hi - lo) * 0.08];
        }
      };
      axes.push({
        scale: a.scale,
        side: a.side === 'right' ? 1 : 3,
        label: a.label + (a.unit === 'ms' ? ' (ms)' : a.unit === 'msgs/s' || a.unit === '/s' ? ' (/s)' : ''),
        labelSize: 18,
        size: a.unit === 'bytes' ? 78 : 62,
        incrs: a.unit === 'bytes' ? KIB : undefined,
        grid: { show: a.side !== 'right', stroke: '#eceef2' },
        ticks: { stroke: '#d5d9e0' },
        values: function (u, splits) { return splits.map(function (v) { return axisFmt(v, a.unit); }); }
      });
    });
    var series = [{
      label: spectrum ? 'percentile' : 'elapsed',
      value: function (u, v) { return v == null ? '' : spectrum ? percentile(v, spec.decades) : (u.scales.x.max >= 180 ? clock(v) : trim(v) + ' s'); }
    }];
    spec.series.forEach(function (s) {
      series.push({
        label: s.label,
        scale: s.scale,
        stroke: s.color,
        width: 1.6,
        dash: s.dash,
        fill: s.fill,
        spanGaps: false,
        points: { show: false },
        value: function (u, v) { return fmt(v, s.unit); }
      });
    });
    return {
      width: width,
      height: spec.height,
      padding: [spectrum || phases.length === 0 ? null : 18, rightPad, null, null],
      scales: scales,
      axes: axes,
      series: series,
      legend: { live: true },
      cursor: { drag: { x: !spectrum, y: false } },
      plugins: spectrum || phases.length === 0 ? [] : [phasePlugin()]
    };
  }

  // A rate chart: x is the offered rate; each step a point, joined in rate order.
  function rateOptions(spec, width) {
    var base = options({ kind: 'spectrum-free', data: spec.data, axes: spec.axes, series: spec.series, height: spec.height }, width);
    base.scales.x = { time: false };
    base.axes[0].label = 'offered rate (/s)';
    base.axes[0].incrs = undefined;
    base.axes[0].values = function (u, splits) { return splits.map(function (v) { return axisFmt(v, 'msgs/s'); }); };
    base.series[0] = { label: 'offered rate', value: function (u, v) { return v == null ? '' : fmt(v, 'msgs/s'); } };
    base.series.forEach(function (s, i) { if (i > 0) s.points = { show: true, size: 6 }; });
    base.padding = [null, 24, null, null];
    base.cursor = { drag: { x: false, y: false } };
    base.plugins = [markPlugin(spec.marks || [])];
    return base;
  }

  var specs = {};
  payload.charts.forEach(function (c) { specs[c.name] = c; });
  var plots = [];
  Array.prototype.forEach.call(document.querySelectorAll('[data-chart]'), function (figure) {
    var spec = specs[figure.getAttribute('data-chart')];
    var target = figure.querySelector('.plot');
    if (!spec || !target) return;
    try {
      target.textContent = '';
      target.style.minHeight = '';
      plots.push({ plot: new uPlot(options(spec, target.clientWidth || 560), spec.data, target), el: target, spec: spec });
    } catch (e) {
      target.textContent = 'This chart could not be drawn: ' + (e && e.message);
      console.error(e);
    }
  });
  var timer;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      plots.forEach(function (p) { p.plot.setSize({ width: p.el.clientWidth, height: p.spec.height }); });
    }, 150);
  });
  document.documentElement.setAttribute('data-charts-ready', String(plots.length));
})();
`.replace('__PHASE_BANDS__', JSON.stringify(PHASE_BANDS));
