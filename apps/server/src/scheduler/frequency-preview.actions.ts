import { Inject, Injectable } from '@nestjs/common';
import { RpcAction, RpcContext } from '../actions/rpc-action.decorator';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { previewFrequency } from './frequency-preview';
import { DescribeFrequencyPreviewInput } from './frequency-preview.input';

/**
 * DescribeFrequencyPreview (ours; no cloud offers it): the next fire times of a Frequency, in UTC
 * and in its own zone, flagging times that fall in a daylight-saving gap or overlap — so an
 * operator sees what `0 30 2 * * ? America/New_York` will do in March before saving it.
 */
@Injectable()
export class FrequencyPreviewActions {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @RpcAction('DescribeFrequencyPreview', 'read', { input: DescribeFrequencyPreviewInput })
  describeFrequencyPreview({ input }: RpcContext<DescribeFrequencyPreviewInput>): Promise<object> {
    const { frequency, times } = previewFrequency(input.Frequency, input.Count, this.config.MIN_INTERVAL_SECONDS);
    return Promise.resolve({
      Frequency: frequency.source,
      TimeZone: frequency.timeZone,
      FireTimes: {
        FireTime: times.map((t) => ({
          Time: t.utc,
          LocalTime: t.local,
          DaylightSavingGap: t.dstGap ?? false,
          DaylightSavingOverlap: t.dstOverlap ?? false,
        })),
      },
    });
  }
}
