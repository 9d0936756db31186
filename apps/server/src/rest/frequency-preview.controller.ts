import { Get, Inject } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { previewFrequency } from '../scheduler/frequency-preview';
import { responseSchema, RestErrors, RestQuery, RestResponse } from './openapi';
import { isoTime, RestResource } from './rest-common';
import { frequency, previewCount } from '../common/fields';

const PreviewQuery = z.object({
  frequency: frequency().meta({ description: 'As for POST /v1/invocations; a time zone goes at its end', example: '0 30 2 * * ? America/New_York' }),
  count: previewCount(z.coerce.number()).optional().meta({ description: 'How many fire times, 1-100 (default 5)' }),
});

const FrequencyPreview = responseSchema(
  'FrequencyPreview',
  z.object({
    frequency: z.string(),
    timeZone: z.string(),
    nextFireTimes: z.array(isoTime()),
    fireTimes: z.array(
      z.object({
        time: isoTime(),
        localTime: z.string().meta({ description: 'ISO 8601 with the offset in force in the frequency’s zone' }),
        daylightSavingGap: z.boolean().meta({ description: 'The wall time did not exist (spring forward); it runs just after the gap' }),
        daylightSavingOverlap: z.boolean().meta({ description: 'The wall time happens twice (fall back); `time` says which' }),
      }),
    ),
  }),
);

const DEFAULT_COUNT = 5;

/** DescribeFrequencyPreview: what a Frequency will do, before an invocation is saved with it. */
@RestResource('frequency-preview', 'invocations')
export class FrequencyPreviewRestController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  @ApiOperation({ operationId: 'previewFrequency', summary: 'The next fire times of a Frequency, checked as POST /v1/invocations checks it' })
  @RestResponse(200, FrequencyPreview, 'The next fire times')
  @RestErrors({ 400: 'MissingParameter.Frequency, InvalidParam.Frequency, InvalidParam.Count' })
  preview(@RestQuery(PreviewQuery) query: z.output<typeof PreviewQuery>): z.output<typeof FrequencyPreview> {
    const { frequency, times } = previewFrequency(query.frequency, query.count ?? DEFAULT_COUNT, this.config.MIN_INTERVAL_SECONDS);
    return {
      frequency: frequency.source,
      timeZone: frequency.timeZone,
      nextFireTimes: times.map((t) => new Date(t.utc).toISOString()),
      fireTimes: times.map((t) => ({
        time: new Date(t.utc).toISOString(),
        localTime: t.local,
        daylightSavingGap: t.dstGap ?? false,
        daylightSavingOverlap: t.dstOverlap ?? false,
      })),
    };
  }
}
