// A run's logs and errors: loggers for the run and for each plugin (to the `log` event and options.logger),
// and the errors kept for the result (at most MAX_ERRORS) and told to `error` listeners.
import type { EventBus } from '../plugins/event-bus.js';
import { pluginErrorCode } from '../plugins/plugin-host.js';
import type { ErrorEvent, Logger, LogEntry, ResultBase } from '../types.js';

const MAX_ERRORS = 200;

export class RunLog {
  private readonly kept: ResultBase['errors'] = [];

  constructor(
    private readonly bus: Pick<EventBus, 'emit'>,
    private readonly sink: Logger | undefined,
  ) {}

  /** A logger whose lines name `owner` (a plugin), or the run's own when undefined. */
  logger(owner: string | undefined): Logger {
    const log = (level: LogEntry['level']) => (message: string) => {
      const entry: LogEntry = { level, message: owner ? `[${owner}] ${message}` : message, time: new Date().toISOString() };
      if (owner) entry.plugin = owner;
      this.bus.emit('log', entry);
      this.sink?.[level](entry.message);
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  /** Keeps an error for the result (the `error` event is the caller's to emit). */
  record(e: ErrorEvent): void {
    if (this.kept.length >= MAX_ERRORS) return;
    const entry: ResultBase['errors'][number] = { code: e.code, message: e.message };
    if (e.plugin) entry.plugin = e.plugin;
    this.kept.push(entry);
  }

  /** A listener, hook, metric source or teardown threw: report it against its plugin and carry on. */
  pluginFailure(owner: string | undefined, where: string, error: unknown, event?: string): void {
    const reason = error instanceof Error ? error.message : String(error);
    const message = owner ? `Plugin "${owner}" threw in ${where}: ${reason}` : `A listener threw in ${where}: ${reason}`;
    const e: ErrorEvent = { code: pluginErrorCode(error), message, cause: error };
    if (owner) e.plugin = owner;
    this.record(e);
    if (event !== 'error') this.bus.emit('error', e);
  }

  get errors(): ResultBase['errors'] {
    return [...this.kept];
  }
}
