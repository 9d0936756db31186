import {
  AGENT_FINAL_STATUSES,
  AGENT_LABEL_PATTERN,
  MAX_POLL_WAIT_SECONDS,
  MAX_REPORT_AGE_DAYS,
  MAX_REPORTED_ADDRESSES,
  MAX_REPORTED_OUTPUT_BYTES,
} from '@ca/protocol';
import { isIP } from 'node:net';
import { z } from 'zod';
import { TIMESTAMP_WINDOW_MS } from '../actions/signature-nonce';
import { catalogued, int, RECORD_ID_PATTERN, text } from '../common/fields';
import { rpcInput } from '../actions/rpc-input';

/**
 * The agent protocol's parameters (libs/protocol/agent-protocol.ts). Every value an agent
 * reports is checked here, so that a bad one is that report's 400 (naming the field) and never
 * reaches the batched statement of OutcomeRecorder, where the database refusing it would fail
 * every report of the batch with a 500.
 */

/** ISO 8601 as toISOString() writes it, or with a numeric zone; a four-digit year only. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Byte counts and offsets are stored and compared as 32-bit integers. */
const bytes = () => int({ min: 0, max: MAX_REPORTED_OUTPUT_BYTES });
const label = (maxLength: number) => text(maxLength).regex(AGENT_LABEL_PATTERN);
/** A run the agent reports on: anything but a record id cannot be one of its runs. */
const recordId = () => text(36).regex(RECORD_ID_PATTERN, { error: catalogued('InvalidRecordId.NotFound') });
const output = () =>
  text(64 * 1024, { allowEmpty: true })
    .refine((value) => BASE64.test(value), { error: 'not Base64' })
    .transform((value) => Buffer.from(value, 'base64'));

/**
 * Where PostgreSQL can store it and it means something: from MAX_REPORT_AGE_DAYS ago (a report
 * kept through an outage) to the signature's clock skew ahead. OutcomeRecorder still clamps it
 * to the run's own start and the service's now.
 */
const finishedTime = () =>
  z
    .string()
    .max(40)
    .transform((value, ctx) => {
      const time = ISO_TIME.test(value) ? Date.parse(value) : NaN;
      if (Number.isNaN(time)) {
        ctx.addIssue({ code: 'custom', message: 'not an ISO 8601 time with a zone' });
        return z.NEVER;
      }
      const now = Date.now();
      if (time < now - MAX_REPORT_AGE_DAYS * 86_400_000 || time > now + TIMESTAMP_WINDOW_MS) {
        ctx.addIssue({ code: 'custom', message: `must be within the last ${MAX_REPORT_AGE_DAYS} days and not in the future` });
        return z.NEVER;
      }
      return new Date(time);
    });

/** An optional fact: absent or empty means the machine did not say. */
const fact = (maxLength: number) =>
  text(maxLength, { allowEmpty: true })
    .regex(AGENT_LABEL_PATTERN)
    .transform((value) => value || null)
    .optional();

const start = z.object({
  AgentVersion: label(64),
  Hostname: label(255),
  OsType: z.enum(['linux', 'windows']),
  OsName: fact(128),
  OsVersion: fact(128),
  KernelVersion: fact(128),
  IntranetIp: text(MAX_REPORTED_ADDRESSES * 46, { allowEmpty: true })
    .transform((value) => value.split(',').filter(Boolean))
    .refine((ips) => ips.length <= MAX_REPORTED_ADDRESSES && ips.every((ip) => isIP(ip) !== 0), {
      error: `must be at most ${MAX_REPORTED_ADDRESSES} IP addresses separated by commas`,
    })
    .default([]),
  MachineId: fact(64),
  BootId: fact(64),
});
export const StartInput = rpcInput(start);
export type StartInput = z.output<typeof start>;

const heartbeat = z.object({ AgentVersion: label(64).optional(), Hostname: label(255).optional() });
export const HeartbeatInput = rpcInput(heartbeat);
export type HeartbeatInput = z.output<typeof heartbeat>;

const poll = z.object({
  WaitSeconds: int({ min: 0, max: MAX_POLL_WAIT_SECONDS }).default(20),
  Acks: text(64 * 1024)
    .transform((value) => value.split(',').filter(Boolean))
    .refine((ids) => ids.every((id) => RECORD_ID_PATTERN.test(id)), { error: 'must be record ids separated by commas' })
    .default([]),
});
export const PollInput = rpcInput(poll);
export type PollInput = z.output<typeof poll>;

const outputReport = z.object({ RecordId: recordId(), Offset: bytes().default(0), Output: output().default(Buffer.alloc(0)) });
export const OutputInput = rpcInput(outputReport);
export type OutputInput = z.output<typeof outputReport>;

const finish = z.object({
  RecordId: recordId(),
  Status: z.enum(AGENT_FINAL_STATUSES),
  FinishedTime: finishedTime().optional(),
  Offset: bytes().default(0),
  Output: output().optional(),
  ExitCode: int({ min: -2147483648, max: 2147483647 }).optional(),
  ErrorCode: label(64).optional(),
  ErrorInfo: text(4096).optional(),
  OutputBytes: bytes().default(0),
});
/** The final output chunk and its offset are read only when the report carries output. */
const carriesOutput = (_input: unknown, params: { has(name: string): boolean }): boolean => params.has('Output');
export const FinishInput = rpcInput(finish, {
  order: ['RecordId', 'Status', 'FinishedTime', { field: 'Offset', if: carriesOutput }, { field: 'Output', if: carriesOutput }],
});
export type FinishInput = z.output<typeof finish>;
