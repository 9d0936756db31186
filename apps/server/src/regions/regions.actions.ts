import { Injectable } from '@nestjs/common';
import { RpcAction, RpcContext } from '../actions/rpc-action.decorator';
import { DescribeRegionsInput } from './regions.input';
import { RegionsService } from './regions.service';

@Injectable()
export class RegionsActions {
  constructor(private readonly regions: RegionsService) {}

  @RpcAction('DescribeRegions', 'read', { input: DescribeRegionsInput })
  async describeRegions({ input }: RpcContext<DescribeRegionsInput>): Promise<object> {
    const language = input.AcceptLanguage;
    const regions = await this.regions.list();
    return {
      Regions: {
        Region: regions.map((r) => ({
          RegionId: r.regionId,
          LocalName: language === 'zh-CN' ? r.localName : r.localNameEn,
          RegionEndpoint: r.regionEndpoint,
          Status: 'available',
        })),
      },
    };
  }
}
