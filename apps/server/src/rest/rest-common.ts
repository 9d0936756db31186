import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { decodeToken, nextPageToken, Paging } from '../common/paging';
import { responseSchema, RestErrors } from './openapi';
import { RestAuthGuard } from './rest-auth.guard';
import { REST_PREFIX } from '../common/error-response';
import { int, pageToken, regionId, withCode } from '../common/fields';

/** The security scheme's name in the OpenAPI document. */
export const BASIC_AUTH = 'basic';

/**
 * A REST resource's controller: under /v1, behind RestAuthGuard, documented with HTTP Basic and
 * the failures every route shares.
 */
export function RestResource(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(`${REST_PREFIX.slice(1)}/${path}`),
    UseGuards(RestAuthGuard),
    ApiTags(tag),
    ApiBasicAuth(BASIC_AUTH),
    RestErrors({
      401: 'No usable credentials: Unauthorized.MissingCredentials (no or malformed Basic header), Unauthorized.InvalidCredentials (unknown key or wrong secret).',
      403: 'Forbidden.RAM: a readonly key asked to change something, or an agent credential was used.',
      429: 'Throttling.User: over RATE_LIMIT_PER_SECOND for this key; see the retry-after header.',
    }),
  );
}

export const ErrorBody = responseSchema(
  'Error',
  z.object({
    requestId: z.string().meta({ description: 'Also in the x-request-id header' }),
    code: z.string().meta({ description: 'The Alibaba error code, as the RPC API answers it', example: 'InvalidParam.Frequency' }),
    message: z.string(),
  }),
);

/** Times are ISO 8601 strings in UTC, with milliseconds. */
export const isoTime = () => z.string().meta({ format: 'date-time', example: '2026-03-01T08:00:00.000Z' });

export function iso(date: Date): string;
export function iso(date: Date | null | undefined): string | null;
export function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

export const regionIdQuery = withCode(
  regionId().meta({ description: 'The region the resources live in (see GET /v1/regions)', example: 'cn-hangzhou' }),
  'InvalidParameter.RegionId',
);

export const pagingQuery = {
  pageSize: withCode(
    int({ min: 1, max: 50 }, z.coerce.number()).optional().meta({ description: 'Items per page, 1-50 (default 10)' }),
    'InvalidParam.PageSize',
  ),
  nextToken: withCode(pageToken().optional().meta({ description: 'From the previous page; opaque' }), 'InvalidParameter.NextToken'),
};

export const DEFAULT_PAGE_SIZE = 10;

export function toPaging(query: { pageSize?: number; nextToken?: string }): Paging {
  const limit = query.pageSize ?? DEFAULT_PAGE_SIZE;
  const { offset, after } = query.nextToken === undefined ? { offset: 0, after: undefined } : decodeToken(query.nextToken);
  return { offset, limit, pageNumber: Math.floor(offset / limit) + 1, ...(after && { after }) };
}

export function pageOf<T extends z.ZodType>(id: string, item: T) {
  return responseSchema(
    id,
    z.object({
      items: z.array(item),
      nextToken: z.string().nullable().meta({ description: 'Pass as ?nextToken= for the next page; null on the last' }),
      totalCount: z.number().int(),
    }),
  );
}

export interface Page<T> {
  items: T[];
  nextToken: string | null;
  totalCount: number;
}

/** `nextKey` from a keyset reader (see the invocations service), as the RPC edge pages. */
export function page<T>(items: T[], paging: Paging, totalCount: number, nextKey?: string | null): Page<T> {
  return { items, nextToken: nextPageToken(paging, totalCount, items.length, nextKey) || null, totalCount };
}
