import { ConsoleLogger, LogLevel } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema';
import { currentRequestContext } from './request-context';

export type LogFormat = 'json' | 'text';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * A message with fields of its own (the access log): JSON output puts the fields at the top of
 * the line, text output appends the ones the sentence does not already say as `key=value`.
 */
export interface StructuredMessage {
  message: string;
  [field: string]: string | number | boolean | undefined;
}

/** LOG_FORMAT, or when unset: JSON unless stdout is a terminal (a person reading it). */
export function resolveLogFormat(config: Pick<AppConfig, 'LOG_FORMAT'>, stdoutIsTty = Boolean(process.stdout.isTTY)): LogFormat {
  return config.LOG_FORMAT ?? (stdoutIsTty ? 'text' : 'json');
}

/** The levels LOG_LEVEL enables: itself and every more severe one. */
export function enabledLevels(level: AppConfig['LOG_LEVEL']): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

/**
 * Nest's ConsoleLogger (its own `json` mode: one object per line), with the RequestId and
 * InvokeId of the request being served added to every line, from the async context.
 */
export class AppLogger extends ConsoleLogger {
  /** Colours only for a terminal: a file or a log collector would keep the escape codes. */
  constructor(format: LogFormat, levels: LogLevel[], colors = format === 'text' && Boolean(process.stdout.isTTY)) {
    super({ json: format === 'json', logLevels: levels, prefix: 'CloudAssistant', colors });
  }

  protected override getJsonLogObject(
    message: unknown,
    options: { context: string; logLevel: LogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown },
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const request = currentRequestContext();
    const structured = isStructured(message) ? message : undefined;
    // Assigned, not spread: this runs for every line, and object spreads cost microseconds.
    const line: Record<string, unknown> = super.getJsonLogObject(structured ? structured.message : message, options);
    if (request?.requestId) line.requestId = request.requestId;
    if (request?.invokeId) line.invokeId = request.invokeId;
    if (structured) {
      for (const key in structured) if (key !== 'message' && structured[key] !== undefined) line[key] = structured[key];
    }
    return line as ReturnType<ConsoleLogger['getJsonLogObject']>;
  }

  /**
   * Nest's serializer guards against cycles, Maps, Errors and huge values at ~40 µs a line; a
   * line of plain strings and numbers (every access line) needs none of that.
   */
  protected override stringifyJsonLogObject(logObject: Record<string, unknown>): string {
    for (const key in logObject) {
      const value = logObject[key];
      const plain = typeof value === 'string' ? value.length < 4096 : typeof value === 'number' || typeof value === 'boolean';
      if (!plain) return super.stringifyJsonLogObject(logObject);
    }
    return JSON.stringify(logObject);
  }

  protected override formatContext(context: string): string {
    const request = currentRequestContext();
    const ids = [request?.requestId && `RequestId=${request.requestId}`, request?.invokeId && `InvokeId=${request.invokeId}`].filter(Boolean);
    return super.formatContext(context) + (ids.length > 0 ? `${ids.join(' ')} ` : '');
  }

  protected override stringifyMessage(message: unknown, logLevel: LogLevel): string {
    if (!isStructured(message)) return super.stringifyMessage(message, logLevel) as string;
    // A field the sentence already says (the action, the status) is not repeated as key=value.
    const said = new Set(message.message.split(' '));
    const fields = Object.entries(withoutMessage(message))
      .filter(([, value]) => value !== undefined && value !== '' && !said.has(fieldText(value)))
      .map(([key, value]) => `${key}=${fieldText(value)}`);
    return super.stringifyMessage([message.message, ...fields].join(' '), logLevel) as string;
  }
}

export function createAppLogger(config: Pick<AppConfig, 'LOG_FORMAT' | 'LOG_LEVEL'>): AppLogger {
  return new AppLogger(resolveLogFormat(config), enabledLevels(config.LOG_LEVEL));
}

function isStructured(message: unknown): message is StructuredMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    Object.getPrototypeOf(message) === Object.prototype &&
    typeof (message as { message?: unknown }).message === 'string'
  );
}

function withoutMessage(message: StructuredMessage): Record<string, unknown> {
  const { message: _text, ...fields } = message;
  return fields;
}

/** A field's value as text in a log line: objects as JSON, not "[object Object]". */
function fieldText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
