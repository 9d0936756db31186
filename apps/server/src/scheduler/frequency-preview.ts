import { FirePreview, Frequency, FrequencyError, parseFrequency, previewFireTimes } from '@ca/frequency';
import { ApiError } from '../common/api-error';

/**
 * The next `count` fire times of a Frequency, checked as InvokeCommand checks it (the same
 * minimum interval, the same InvalidParam.Frequency). DescribeFrequencyPreview and the REST
 * edge's /v1/frequency-preview both answer from here.
 */
export function previewFrequency(source: string, count: number, minIntervalSeconds: number, now = new Date()): { frequency: Frequency; times: FirePreview[] } {
  let frequency: Frequency;
  try {
    frequency = parseFrequency(source, { now, minIntervalSeconds, createdAt: now });
  } catch (error) {
    if (error instanceof FrequencyError) throw new ApiError('InvalidParam.Frequency', `The specified frequency is invalid: ${error.message}`);
    throw error;
  }
  return { frequency, times: previewFireTimes(frequency, now, now, count) };
}
