import { Get } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { RegionsService } from '../regions/regions.service';
import { responseSchema, RestResponse } from './openapi';
import { RestResource } from './rest-common';

const Region = responseSchema(
  'Region',
  z.object({
    regionId: z.string().meta({ example: 'cn-hangzhou' }),
    localName: z.string().meta({ description: 'In Chinese, as DescribeRegions answers by default' }),
    localNameEn: z.string(),
    regionEndpoint: z.string(),
  }),
);
const RegionList = responseSchema('RegionList', z.object({ items: z.array(Region) }));

/** DescribeRegions: every other resource lives in one of these (their `?regionId=`). */
@RestResource('regions', 'regions')
export class RegionsRestController {
  constructor(private readonly regions: RegionsService) {}

  @Get()
  @ApiOperation({ operationId: 'listRegions', summary: 'The regions resources can live in' })
  @RestResponse(200, RegionList, 'All regions')
  async list(): Promise<z.output<typeof RegionList>> {
    const regions = await this.regions.list();
    return {
      items: regions.map((r) => ({ regionId: r.regionId, localName: r.localName, localNameEn: r.localNameEn, regionEndpoint: r.regionEndpoint })),
    };
  }
}
