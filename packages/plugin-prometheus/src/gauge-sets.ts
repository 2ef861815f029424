// End-of-run gauge sets (capacity, delivery, consumer groups): one set per registry and label names, since runs may share a
// registry and prom-client refuses a second metric of the same name in it.
import { Gauge, type Registry } from 'prom-client';

/** The `quantile` label values of a latency gauge and the percentile of a latency summary each reads. */
export const QUANTILES = [
  ['0.5', 'p50'],
  ['0.95', 'p95'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
  ['1', 'max'],
] as const;

/**
 * A function giving the registry's gauge set for these label names, made on first use: every gauge of the set
 * is named by `names`, described by `help`, and labelled `scenario`, `topic`, the run's label names and the
 * extra labels `build` gives it.
 */
export function gaugeSets<Name extends string, G>(
  names: Readonly<Record<Name, string>>,
  help: Readonly<Record<Name, string>>,
  build: (make: (name: Name, extra?: string[]) => Gauge<string>) => G,
): (registry: Registry, labelNames: readonly string[]) => G {
  const byRegistry = new WeakMap<Registry, Map<string, G>>();
  return (registry, labelNames) => {
    let perLabels = byRegistry.get(registry);
    if (!perLabels) byRegistry.set(registry, (perLabels = new Map()));
    const key = [...labelNames].sort().join(',');
    let gauges = perLabels.get(key);
    if (!gauges) {
      const base = ['scenario', 'topic', ...labelNames];
      gauges = build(
        (name, extra = []) => new Gauge({ name: names[name], help: help[name], labelNames: [...base, ...extra], registers: [registry] }),
      );
      perLabels.set(key, gauges);
    }
    return gauges;
  };
}
