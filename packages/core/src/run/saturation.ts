// Whether the generator held up, window by window: how many measured windows were saturated and why (the
// worst example of each kind of reason), and the worst event-loop delay and CPU seen.
import type { GeneratorHealth, ResultBase } from '../types.js';

/** Reasons kept in the result, at most. */
const MAX_WARNINGS = 20;

export class SaturationLog {
  private saturatedWindows = 0;
  private totalWindows = 0;
  /** Saturation reasons by kind (numbers stripped): the worst example seen and how many windows had it. */
  private readonly warnings = new Map<string, { text: string; windows: number; worst: number }>();
  maxLoopMain = 0;
  maxLoopWorkers = 0;
  maxCpu = 0;

  /** One window's health; `measured`: after warm-up with load running or asked for (counted in the summary). */
  note(generator: GeneratorHealth, measured: boolean): void {
    if (measured) {
      this.totalWindows++;
      if (generator.saturated) {
        this.saturatedWindows++;
        for (const r of generator.reasons) {
          const kind = r.replace(/[\d.]+/g, '#');
          const value = Number(/[\d.]+/.exec(r)?.[0] ?? 0);
          const seen = this.warnings.get(kind);
          if (!seen) this.warnings.set(kind, { text: r, windows: 1, worst: value });
          else {
            seen.windows++;
            if (value > seen.worst) Object.assign(seen, { text: r, worst: value });
          }
        }
      }
    }
    this.maxLoopMain = Math.max(this.maxLoopMain, generator.eventLoopDelayMs.main);
    this.maxLoopWorkers = Math.max(this.maxLoopWorkers, generator.eventLoopDelayMs.workersMax);
    this.maxCpu = Math.max(this.maxCpu, generator.cpuPercent);
  }

  summary(): ResultBase['generator'] {
    return {
      saturatedWindows: this.saturatedWindows,
      totalWindows: this.totalWindows,
      warnings: [...this.warnings.values()]
        .slice(0, MAX_WARNINGS)
        .map((w) => `${w.text} (worst of ${w.windows} window${w.windows === 1 ? '' : 's'})`),
      maxEventLoopDelayMs: { main: this.maxLoopMain, workers: this.maxLoopWorkers },
      maxCpuPercent: this.maxCpu,
    };
  }
}
