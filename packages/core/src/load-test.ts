// createLoadTest(): the public entry point. Validates options at once, then runs one scenario and resolves
// to a typed, JSON-serializable result; listeners and sample iterators can be attached before the run.
import { LoadhouseError } from './errors.js';
import { resolveOptions } from './options.js';
import { EventBus } from './plugins/event-bus.js';
import { runFaults } from './run/faults.js';
import { Run } from './run/lifecycle.js';
import type { SampleSink } from './run/parts.js';
import type { LoadhouseEvents, LoadTest, LoadTestOptions, RunResult, Sample, Scenario, Unregister } from './types.js';

class LoadTestHandle implements LoadTest {
  private readonly bus: EventBus;
  private readonly sinks = new Set<SampleSink>();
  private current: Run | undefined;
  private state: 'idle' | 'running' | 'done' = 'idle';

  constructor(private readonly options: ReturnType<typeof resolveOptions>) {
    this.bus = new EventBus((f) => this.current?.pluginFailure(f.owner, f.where, f.error, f.event));
  }

  on<K extends keyof LoadhouseEvents>(event: K, listener: LoadhouseEvents[K]): Unregister {
    return this.bus.on(event, listener);
  }

  stop(reason?: string): void {
    this.current?.end({
      state: 'aborted',
      endReason: 'stopped',
      message: reason ? `The run was stopped: ${reason}` : 'The run was stopped by LoadTest.stop().',
    });
  }

  writePartial(note = 'Written before the run finished stopping.'): Promise<string | undefined> {
    return this.current?.writePartial(note) ?? Promise.resolve(undefined);
  }

  samples(): AsyncIterableIterator<Sample> {
    const queue: Sample[] = [];
    let wake: ((r: IteratorResult<Sample>) => void) | undefined;
    let finished = this.state === 'done';
    const sink: SampleSink = {
      push: (s) => {
        if (wake) {
          const w = wake;
          wake = undefined;
          w({ value: s, done: false });
        } else queue.push(s);
      },
      end: () => {
        finished = true;
        this.sinks.delete(sink);
        if (wake) {
          const w = wake;
          wake = undefined;
          w({ value: undefined, done: true });
        }
      },
    };
    if (!finished) this.sinks.add(sink);
    const iterator: AsyncIterableIterator<Sample> = {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: () => {
        sink.end();
        queue.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  async run(scenario: Scenario): Promise<RunResult> {
    if (this.state !== 'idle') {
      throw new LoadhouseError(
        'LH_RUN_STATE',
        'run() was already called on this load test; create a new one with createLoadTest() for another run.',
      );
    }
    validateScenario(scenario);
    const planned = scenario.plannedSeconds;
    if (this.options.warmupSeconds > 0 && typeof planned === 'number' && planned > 0 && this.options.warmupSeconds >= planned) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `options.warmupSeconds (${this.options.warmupSeconds} s) must be shorter than the scenario's ${planned} s: nothing would be measured`,
        { details: { option: 'options.warmupSeconds', value: this.options.warmupSeconds } },
      );
    }
    this.state = 'running';
    try {
      this.current = new Run(this.options, scenario, this.bus, this.sinks);
      return await this.current.execute();
    } finally {
      this.state = 'done';
      for (const sink of [...this.sinks]) sink.end();
    }
  }
}

function validateScenario(scenario: unknown): asserts scenario is Scenario {
  if (typeof scenario !== 'object' || scenario === null) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `run(scenario): scenario must be an object { name, criteria, run(controller) }, got ${scenario === null ? 'null' : typeof scenario}`,
    );
  }
  const s = scenario as Partial<Scenario>;
  if (typeof s.name !== 'string' || s.name === '') {
    throw new LoadhouseError('LH_INVALID_OPTION', 'scenario.name must be a non-empty string');
  }
  if (typeof s.run !== 'function')
    throw new LoadhouseError('LH_INVALID_OPTION', `scenario.run must be a function (controller) => Promise<void>, got ${typeof s.run}`);
  if (s.criteria !== undefined && !Array.isArray(s.criteria))
    throw new LoadhouseError('LH_INVALID_OPTION', 'scenario.criteria must be an array of criteria');
  if (s.faults !== undefined) runFaults(s.faults, 'scenario.faults');
}

/**
 * Creates a load test against a StreamHouse target. Options are validated here (LH_INVALID_OPTION naming
 * the option, LH_PLUGIN_INVALID, LH_PLUGIN_VERSION_MISMATCH); nothing connects until `run()`.
 */
export function createLoadTest(options: LoadTestOptions): LoadTest {
  return new LoadTestHandle(resolveOptions(options));
}
