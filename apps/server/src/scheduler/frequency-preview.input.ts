import { z } from 'zod';
import { frequency, previewCount } from '../common/fields';
import { rpcInput } from '../actions/rpc-input';

const describeFrequencyPreview = z.object({
  Frequency: frequency(),
  Count: previewCount().default(10),
});
export const DescribeFrequencyPreviewInput = rpcInput(describeFrequencyPreview);
export type DescribeFrequencyPreviewInput = z.output<typeof describeFrequencyPreview>;
