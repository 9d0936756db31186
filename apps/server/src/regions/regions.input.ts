import { z } from 'zod';
import { oneOf, withCode } from '../common/fields';
import { rpcInput } from '../actions/rpc-input';

export const ACCEPT_LANGUAGES = ['zh-CN', 'en-US', 'ja'] as const;

export const DescribeRegionsInput = rpcInput(
  z.object({
    AcceptLanguage: withCode(oneOf(ACCEPT_LANGUAGES).default('zh-CN'), 'InvalidAcceptLanguage.NotFound'),
  }),
);
export type DescribeRegionsInput = z.output<typeof DescribeRegionsInput.schema>;
