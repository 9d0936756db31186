import { z } from 'zod';
import { COMMAND_TYPES } from '../commands/command.entity';
import { INVOCATION_STATUSES, RECORD_STATUSES } from '../runs/invocation-status';
import { requestSchema, responseSchema } from './openapi';
import { isoTime, pageOf, pagingQuery, regionIdQuery } from './rest-common';
import { frequency, instanceId, resourceId, text, withCode } from '../common/fields';
import { timeout } from '../commands/commands.input';
import { clientToken, invocationWorkingDir, MISFIRE_POLICIES, misfirePolicy, username } from '../invocations/invocations.input';

/** A timed invocation has no record on an instance before its first fire: it shows as Scheduled there. */
const INSTANCE_RUN_STATUSES = [...RECORD_STATUSES, 'Scheduled'] as const;

const Progress = z.object({
  finished: z.number().int().meta({ description: 'Instances whose latest run has ended' }),
  total: z.number().int(),
});

export const Invocation = responseSchema(
  'Invocation',
  z.object({
    invokeId: z.string(),
    commandId: z.string(),
    commandName: z.string(),
    commandType: z.enum(COMMAND_TYPES),
    status: z.enum(INVOCATION_STATUSES),
    timed: z.boolean(),
    frequency: z.string().nullable(),
    timeZone: z.string().nullable(),
    misfirePolicy: z.enum(MISFIRE_POLICIES).nullable(),
    createdAt: isoTime(),
    instanceCount: z.number().int(),
    progress: Progress,
    nextFireTimes: z.array(isoTime()).meta({ description: 'Timed only: the next (up to) 5 fire times; empty once it will not fire again' }),
  }),
);
export type InvocationDto = z.output<typeof Invocation>;

export const InvocationInstance = responseSchema(
  'InvocationInstance',
  z.object({
    instanceId: z.string(),
    status: z.enum(INSTANCE_RUN_STATUSES).meta({ description: 'Of the latest run on this instance' }),
    repeats: z.number().int().meta({ description: 'Which fire of a timed invocation the latest run is' }),
    exitCode: z.number().int().nullable(),
    errorCode: z.string(),
    errorInfo: z.string(),
    startedAt: isoTime().nullable(),
    finishedAt: isoTime().nullable(),
    stoppedAt: isoTime().nullable(),
  }),
);

export const InvocationDetail = responseSchema(
  'InvocationDetail',
  Invocation.extend({
    content: z.string().meta({ description: 'The script as invoked (parameters filled in), UTF-8 text' }),
    parameters: z.record(z.string(), z.string()),
    username: z.string(),
    workingDir: z.string(),
    timeout: z.number().int(),
    instances: z.array(InvocationInstance),
  }),
);
export type InvocationDetailDto = z.output<typeof InvocationDetail>;

export const InvocationList = pageOf('InvocationList', Invocation);

export const InvocationResult = responseSchema(
  'InvocationResult',
  z.object({
    instanceId: z.string(),
    scheduledAt: isoTime(),
    repeats: z.number().int(),
    status: z.enum(RECORD_STATUSES),
    exitCode: z.number().int().nullable(),
    errorCode: z.string(),
    errorInfo: z.string(),
    output: z.string().meta({ description: 'What the command printed, decoded as UTF-8 text' }),
    dropped: z.number().int().meta({ description: 'Bytes of output cut off over the limit' }),
    startedAt: isoTime().nullable(),
    finishedAt: isoTime().nullable(),
    stoppedAt: isoTime().nullable(),
  }),
);
export type InvocationResultDto = z.output<typeof InvocationResult>;

export const InvocationResultList = pageOf('InvocationResultList', InvocationResult);

export const Invoked = responseSchema('Invoked', z.object({ invokeId: z.string() }));

const instanceIds = (max: number) => withCode(z.array(instanceId()).min(1, { error: 'MissingParameter.InstanceIds' }).max(max), 'InvalidParameter.InstanceIds');

/** InvokeCommand's parameters (invocations.input.ts), with its codes. */
export const InvokeRequest = requestSchema(
  'InvokeRequest',
  z
    .strictObject({
      commandId: resourceId(),
      instanceIds: instanceIds(1000).meta({ description: 'Up to 100 instances (InstanceIds.ExceedLimit beyond)' }),
      timed: withCode(z.boolean().optional().meta({ description: 'Run on a schedule; defaults to whether a frequency is given' }), 'InvalidParam.Timed'),
      frequency: frequency().optional().meta({ description: 'Cron (with optional zone), rate(…) or at(…)', example: '0 0 3 * * ? Asia/Shanghai' }),
      misfirePolicy: misfirePolicy().optional(),
      parameters: withCode(
        z
          .record(text(64), z.union([text(65536, { allowEmpty: true }), z.number(), z.boolean()]))
          .optional()
          .meta({ description: 'Values of the command’s {{name}} parameters' }),
        'InvalidParameter.Parameters',
      ),
      username: username().optional(),
      workingDir: invocationWorkingDir().optional(),
      timeout: timeout().optional(),
      clientToken: clientToken().optional().meta({ description: 'Idempotency: the same token and request give the same invokeId' }),
    })
    // a timed invocation without a Frequency is a missing parameter, reported before malformed ones.
    .refine((body) => !(body?.timed === true && body.frequency === undefined), {
      path: ['frequency'],
      params: { missing: true },
      error: 'MissingParameter.Frequency',
      when: () => true,
    })
    .refine((body) => !(body.timed === false && body.frequency !== undefined), {
      path: ['timed'],
      error: 'InvalidParam.RepeatMode',
    }),
);

export const StopRequest = requestSchema(
  'StopRequest',
  z.strictObject({
    instanceIds: instanceIds(100).optional().meta({ description: 'Stop on these instances only; all when left out' }),
  }),
);

export const ListInvocationsQuery = z.object({
  regionId: regionIdQuery,
  status: withCode(z.enum(INVOCATION_STATUSES).optional(), 'InvalidParameter.InvocationStatus'),
  commandId: resourceId().optional(),
  instanceId: instanceId().optional(),
  timed: withCode(z.stringbool({ truthy: ['true'], falsy: ['false'] }).optional(), 'InvalidParameter.Timed'),
  since: z.iso.datetime({ offset: true }).optional().meta({ description: 'Created at or after (ISO 8601; URL-encode a + offset)' }),
  until: z.iso.datetime({ offset: true }).optional().meta({ description: 'Created before (ISO 8601; URL-encode a + offset)' }),
  ...pagingQuery,
});

export const ListResultsQuery = z.object({
  regionId: regionIdQuery,
  instanceId: instanceId().optional(),
  status: withCode(z.enum(RECORD_STATUSES).optional(), 'InvalidParameter.InvokeRecordStatus'),
  ...pagingQuery,
});

export const invokeIdParam = resourceId();
